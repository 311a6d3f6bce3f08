package output

import (
	"fmt"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Styles renders status lines for stderr. The colour decision is made once, by IOStreams; the
// lipgloss renderer is bound to stderr and never probes the terminal itself.
type Styles struct {
	r                         *lipgloss.Renderer
	ok, warn, fail, bold, dim lipgloss.Style
}

// Styles returns styles that colour only when the streams allow it and stderr is a TTY.
func (s *IOStreams) Styles() *Styles {
	r := lipgloss.NewRenderer(s.ErrOut)
	if s.colorEnabled && s.stderrTTY {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	r.SetHasDarkBackground(true)
	return &Styles{
		r:    r,
		ok:   r.NewStyle().Foreground(lipgloss.Color("2")),
		warn: r.NewStyle().Foreground(lipgloss.Color("3")),
		fail: r.NewStyle().Foreground(lipgloss.Color("1")),
		bold: r.NewStyle().Bold(true),
		dim:  r.NewStyle().Foreground(lipgloss.Color("8")),
	}
}

// Renderer exposes the stderr-bound renderer for richer drawings (bar charts, progress).
func (st *Styles) Renderer() *lipgloss.Renderer { return st.r }

func (st *Styles) SuccessIcon() string    { return st.ok.Render("✓") }
func (st *Styles) WarningIcon() string    { return st.warn.Render("!") }
func (st *Styles) FailureIcon() string    { return st.fail.Render("X") }
func (st *Styles) Bold(s string) string   { return st.bold.Render(s) }
func (st *Styles) Dim(s string) string    { return st.dim.Render(s) }
func (st *Styles) Green(s string) string  { return st.ok.Render(s) }
func (st *Styles) Yellow(s string) string { return st.warn.Render(s) }
func (st *Styles) Red(s string) string    { return st.fail.Render(s) }

// Successf writes "✓ message" to stderr. Messages quote names and server text: they are
// made safe for the terminal (SafeText), only the icon is coloured.
func (s *IOStreams) Successf(format string, a ...any) {
	fmt.Fprintf(s.ErrOut, "%s %s\n", s.Styles().SuccessIcon(), SafeText(fmt.Sprintf(format, a...)))
}

// Warnf writes "! message" to stderr.
func (s *IOStreams) Warnf(format string, a ...any) {
	fmt.Fprintf(s.ErrOut, "%s %s\n", s.Styles().WarningIcon(), SafeText(fmt.Sprintf(format, a...)))
}

// Infof writes a plain line to stderr.
func (s *IOStreams) Infof(format string, a ...any) {
	fmt.Fprintln(s.ErrOut, SafeText(fmt.Sprintf(format, a...)))
}
