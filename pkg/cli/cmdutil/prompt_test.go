package cmdutil

import (
	"errors"
	"testing"

	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// The terminal prompter: the question on stderr, one answer per line from stdin, Enter for the
// default, and the end of input as a cancel (Ctrl-D), never as a yes.
func TestLinePrompter(t *testing.T) {
	io, in, out, errOut := output.Test()
	in.WriteString("y\n\nno\n  8 \nlast")
	p := NewPrompter(io)
	for i, c := range []struct {
		def  bool
		want bool
	}{{false, true}, {true, true}, {true, false}} {
		got, err := p.Confirm("Really clear?", c.def)
		if err != nil || got != c.want {
			t.Errorf("answer %d: %v %v, want %v", i, got, err, c.want)
		}
	}
	if s, err := p.Input("Rating (0-10):"); err != nil || s != "8" {
		t.Errorf("input %q %v", s, err)
	}
	if s, err := p.Input("Again:"); err != nil || s != "last" { // a last line without newline
		t.Errorf("input %q %v", s, err)
	}
	if ok, err := p.Confirm("Really?", true); ok || !errors.Is(err, ErrCancelled) {
		t.Errorf("at end of input: %v %v, want cancelled", ok, err)
	}
	if want := "? Really clear? [y/N] ? Really clear? [Y/n] ? Really clear? [Y/n] ? Rating (0-10): ? Again: ? Really? [Y/n] "; errOut.String() != want {
		t.Errorf("stderr %q\nwant   %q", errOut.String(), want)
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q", out.String())
	}
}
