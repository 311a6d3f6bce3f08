package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
)

type blob struct{ data []byte }

func (b *blob) Unmarshal(p []byte) error {
	if !strings.HasPrefix(strings.TrimSpace(string(p)), "{") {
		return errors.New("not a JSON object")
	}
	b.data = append([]byte(nil), p...)
	return nil
}

func (b *blob) Marshal() ([]byte, error) { return b.data, nil }

// TestReplaceOnMissingFileIsAnEmptyCache: a missing file is nobody signed in; an empty one is
// damaged (only a crash or a full disk makes one: writes replace the file whole), so that the
// cause is said rather than hidden behind "not logged in".
func TestReplaceOnMissingFileIsAnEmptyCache(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nested", "cache")
	c := NewFileCache(CachePath(dir, "Default"))
	if filepath.Base(c.Path()) != "msal-Default.json" {
		t.Errorf("path %s", c.Path())
	}
	b := &blob{data: []byte(`{"stale":true}`)}
	if err := c.Replace(context.Background(), b, cache.ReplaceHints{}); err != nil || string(b.data) != "{}" {
		t.Fatalf("missing file: %v %q", err, b.data)
	}
	c.Release()
	if err := os.WriteFile(c.Path(), []byte("  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var damaged *DamagedError
	if err := c.Replace(context.Background(), b, cache.ReplaceHints{}); !errors.As(err, &damaged) || damaged.Reason != "is empty (cut short by a crash or a full disk)" {
		t.Fatalf("empty file: %v", err)
	}
	c.Release()
	if err := os.WriteFile(c.Path(), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := c.Replace(context.Background(), b, cache.ReplaceHints{})
	if err == nil || !strings.Contains(err.Error(), "is damaged") || !strings.Contains(err.Error(), "auth login") {
		t.Fatalf("damaged file: %v", err)
	}
	c.Release()
}

func TestExportIsAtomicPrivateAndReleasesTheLock(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "cache")
	if err := os.MkdirAll(dir, 0o755); err != nil { // a folder others can read gets narrowed
		t.Fatal(err)
	}
	c := NewFileCache(CachePath(dir, "p"))
	b := &blob{data: []byte(`{"a":1}`)}
	if err := c.Replace(context.Background(), b, cache.ReplaceHints{}); err != nil {
		t.Fatal(err)
	}
	b.data = []byte(`{"a":2}`)
	if err := c.Export(context.Background(), b, cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(c.Path())
	st, _ := os.Stat(c.Path())
	dst, _ := os.Stat(dir)
	if string(got) != `{"a":2}` || st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
		t.Fatalf("content %q mode %v dir %v", got, st.Mode(), dst.Mode())
	}
	// Export released the lock: another cache on the same file can take it at once.
	other := NewFileCache(c.Path())
	other.lockTimeout = 10 * time.Millisecond
	if err := other.Replace(context.Background(), &blob{}, cache.ReplaceHints{}); err != nil {
		t.Fatalf("lock not released: %v", err)
	}
	// ... and now holds it: the first waits, then gives up with a clear message.
	c.lockTimeout = 20 * time.Millisecond
	err := c.Replace(context.Background(), b, cache.ReplaceHints{})
	if err == nil || !strings.Contains(err.Error(), "locked by another nimbusctl process") {
		t.Fatalf("contended: %v", err)
	}
	// A cancelled context stops the wait.
	c.lockTimeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Replace(ctx, b, cache.ReplaceHints{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	other.Release()
	if err := c.Replace(context.Background(), b, cache.ReplaceHints{}); err != nil {
		t.Fatalf("after release: %v", err)
	}
	c.Release()
}

func TestTokenNeverPrintsItsSecret(t *testing.T) {
	t.Parallel()
	tok := Token{AccessToken: "eyJhbGciOi.secret-value.sig", Source: SourceDeviceCode, Account: "a@b.c"}
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok), fmt.Sprintf("%v", []Token{tok})} {
		if strings.Contains(s, "secret-value") || !strings.Contains(s, "[redacted]") {
			t.Errorf("%q", s)
		}
	}
}

// TestLeftoversOfAKilledWriteAreRemoved: a process killed between writing the temporary file
// and renaming it leaves that file behind, holding the whole cache (plain with token_storage
// file). The next process to take the lock removes it; another profile's files stay.
func TestLeftoversOfAKilledWriteAreRemoved(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := NewFileCache(CachePath(dir, "default"))
	roundTrip(t, c, `{"a":1}`)
	left := []string{".msal-default.json.123456.tmp", ".msal-default.json.enc.987.tmp"}
	kept := []string{".msal-default.json.json.42.tmp", "msal-default.json", "msal-default.json.lock", ".msal-default.json.x.tmp"}
	for _, name := range append(left, kept[0], kept[3]) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(`{"refresh":"secret"}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	next := NewFileCache(c.Path()) // the next process
	if err := next.Replace(context.Background(), &blob{}, cache.ReplaceHints{}); err != nil {
		t.Fatal(err)
	}
	next.Release()
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	slices.Sort(kept)
	if !slices.Equal(names, kept) {
		t.Fatalf("files %v, want %v", names, kept)
	}
}
