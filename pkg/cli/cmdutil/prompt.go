package cmdutil

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// Prompter asks the person at the terminal. Commands check IO.CanPrompt() first: without a
// TTY they never ask, they fail with the flag that answers instead (--yes, --agent-rating).
type Prompter interface {
	Confirm(question string, def bool) (bool, error)
	Input(question string) (string, error)
}

// NewPrompter reads answers line by line from the streams' stdin, asking on stderr.
func NewPrompter(io *output.IOStreams) Prompter {
	return &linePrompter{io: io}
}

type linePrompter struct {
	io *output.IOStreams
	r  *bufio.Reader
}

func (p *linePrompter) readLine() (string, error) {
	if p.r == nil {
		p.r = bufio.NewReader(p.io.In)
	}
	line, err := p.r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	if err == io.EOF {
		return "", ErrCancelled
	}
	return strings.TrimSpace(line), err
}

func (p *linePrompter) Confirm(question string, def bool) (bool, error) {
	hint := "y/N"
	if def {
		hint = "Y/n"
	}
	fmt.Fprintf(p.io.ErrOut, "? %s [%s] ", output.SafeText(question), hint)
	ans, err := p.readLine()
	if err != nil {
		return false, err
	}
	switch strings.ToLower(ans) {
	case "":
		return def, nil
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

func (p *linePrompter) Input(question string) (string, error) {
	fmt.Fprintf(p.io.ErrOut, "? %s ", output.SafeText(question))
	return p.readLine()
}

// ConfirmDestructive asks before an irreversible action, or requires --yes without a TTY.
func ConfirmDestructive(f *Factory, yes bool, question string) error {
	if yes {
		return nil
	}
	if !f.IO.CanPrompt() {
		return FlagErrorf("refusing to %s without confirmation: pass --yes (no terminal to ask)", question)
	}
	ok, err := f.Prompter.Confirm("Really "+question+"?", false)
	if err != nil {
		return err
	}
	if !ok {
		return ErrCancelled
	}
	return nil
}
