package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/filelock"
	"github.com/nimbusctl/nimbusctl/pkg/secretfile"
)

// Recorded is a trigger nimbusctl created. The connector cannot list triggers, so this
// record (in the state folder, shared by the profiles) is the only way to find one again.
type Recorded struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	URL        string    `json:"url"` // a listener's path token is replaced by TokenMark
	Services   []string  `json:"services"`
	Events     []string  `json:"events"`
	Modalities []string  `json:"modalities,omitempty"`
	Directions []string  `json:"directions,omitempty"`
	Profile    string    `json:"profile"`
	CreatedAt  time.Time `json:"createdAt"`
	CreatedBy  string    `json:"createdBy"` // "trigger create" or "trigger listen"
}

// TokenMark stands for a listener's path token in the record: the token is a secret, and
// the record is printed by `trigger list`.
const TokenMark = "{path-token}"

// recordFile is where the record lives; its lock sits beside it.
func recordFile(f *cmdutil.Factory) (string, error) {
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	return filepath.Join(cfg.Dirs.State, "triggers.json"), nil
}

// readRecord returns every recorded trigger, oldest first.
func readRecord(path string) ([]Recorded, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var list []Recorded
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("the trigger record %s is damaged (%v): fix or remove it; the triggers themselves are not affected", path, err)
	}
	return list, nil
}

// updateRecord changes the record under its lock and writes it back atomically, so that
// concurrent commands never lose each other's entries.
func updateRecord(ctx context.Context, f *cmdutil.Factory, change func([]Recorded) []Recorded) error {
	path, err := recordFile(f)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	lock, err := filelock.Acquire(ctx, path+".lock", 30*time.Second, "the trigger record")
	if err != nil {
		return err
	}
	defer lock.Unlock()
	list, err := readRecord(path)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(change(list), "", "  ")
	if err != nil {
		return err
	}
	return secretfile.Write(path, append(b, '\n'))
}

// remember adds a created trigger to the record.
func remember(ctx context.Context, f *cmdutil.Factory, r Recorded) error {
	return updateRecord(ctx, f, func(list []Recorded) []Recorded { return append(list, r) })
}

// forget drops a trigger from the record (it is fine if it was never there).
func forget(ctx context.Context, f *cmdutil.Factory, kind, id string) error {
	return updateRecord(ctx, f, func(list []Recorded) []Recorded {
		return slices.DeleteFunc(list, func(r Recorded) bool { return r.Kind == kind && r.ID == id })
	})
}

// recorded lists the record's triggers of a profile ("" for all).
func recorded(f *cmdutil.Factory, profile string) ([]Recorded, error) {
	path, err := recordFile(f)
	if err != nil {
		return nil, err
	}
	list, err := readRecord(path)
	if err != nil {
		return nil, err
	}
	if profile == "" {
		return list, nil
	}
	return slices.DeleteFunc(list, func(r Recorded) bool { return r.Profile != profile }), nil
}
