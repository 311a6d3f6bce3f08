package codes

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/nimbusctl/nimbusctl/pkg/odata"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

// palette colours the codes' bars (ANSI 256 indexes), in column order.
var palette = []string{"39", "78", "214", "170", "44", "203", "141", "112", "221", "75", "209", "183"}

// eighths are the partial blocks of a bar's last cell.
var eighths = []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// drawChart writes the matrix as horizontal bars on stdout: for each row its label and
// session count, then one bar per code it carries, all on the same scale. Colour only when
// the streams allow it; the bars themselves are plain characters either way.
func drawChart(ios *output.IOStreams, m odata.Matrix, title string) error {
	r := lipgloss.NewRenderer(ios.Out)
	if ios.ColorEnabled() && ios.IsStdoutTTY() {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	r.SetHasDarkBackground(true)
	bold := r.NewStyle().Bold(true)
	dim := r.NewStyle().Faint(true)
	colour := make(map[string]lipgloss.Style, len(m.Codes))
	labelW := 0
	for i, c := range m.Codes {
		colour[c] = r.NewStyle().Foreground(lipgloss.Color(palette[i%len(palette)]))
		labelW = max(labelW, lipgloss.Width(output.SafeText(c)))
	}
	top := m.Max()
	countW := len(fmt.Sprint(top))
	barW := ios.TerminalWidth() - 2 - labelW - 2 - 1 - countW
	barW = min(max(barW, 10), 60)

	var b strings.Builder
	b.WriteString(bold.Render(title) + "\n")
	if len(m.Rows) == 0 {
		b.WriteString(dim.Render("no sessions") + "\n")
	}
	for _, row := range m.Rows {
		parent := ""
		if row.Parent != "" {
			parent = "  in " + output.SafeText(row.Parent)
		}
		b.WriteString("\n" + bold.Render(output.SafeText(row.Group)) + dim.Render(fmt.Sprintf("%s  %d %s", parent, row.Sessions, plural(row.Sessions, "session"))) + "\n")
		shown := 0
		for _, c := range m.Codes {
			v := row.Codes[c]
			if v == 0 {
				continue
			}
			shown++
			bar := colour[c].Render(barOf(v, top, barW))
			label := output.SafeText(c) // code names come from the feed
			pad := strings.Repeat(" ", labelW-lipgloss.Width(label))
			fmt.Fprintf(&b, "  %s%s  %s %d\n", label, pad, bar, v)
		}
		if shown == 0 && row.Sessions > 0 {
			b.WriteString("  " + dim.Render("no codes") + "\n")
		}
	}
	_, err := fmt.Fprint(ios.Out, b.String())
	return err
}

// barOf draws v on a scale where top fills width cells, in eighths of a cell; any v > 0
// shows at least one eighth.
func barOf(v, top, width int) string {
	if v <= 0 || top <= 0 {
		return ""
	}
	e := v * width * 8 / top
	if e == 0 {
		e = 1
	}
	return strings.Repeat("█", e/8) + eighths[e%8]
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
