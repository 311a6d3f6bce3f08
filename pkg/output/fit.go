package output

import (
	"strings"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// columnGap is the blank space writeTable leaves between two columns.
const columnGap = 2

// fitColumns wraps the cells of a table (its header first) at spaces so that it fits width.
// Only text wraps: a column of single words (ids, numbers, times, addresses) keeps its width,
// so that an id stays whole for copy and paste; the text columns share what is left, the
// narrower keeping their width, and none gets narrower than its longest word. What still does
// not fit overflows, as before. Nothing is cut off: a narrow terminal gets taller rows.
func fitColumns(rows [][]string, width int) {
	if len(rows) == 0 || width <= 0 {
		return
	}
	n := len(rows[0])
	natural, longestWord := make([]int, n), make([]int, n)
	for _, row := range rows {
		for i, c := range row {
			natural[i] = max(natural[i], twwidth.Width(c))
			for _, w := range strings.Fields(c) {
				longestWord[i] = max(longestWord[i], twwidth.Width(w))
			}
		}
	}
	left := width - columnGap*(n-1)
	var text []int // the columns that can wrap, narrowest first
	for i := range n {
		if longestWord[i] >= natural[i] {
			left -= natural[i]
			continue
		}
		j := len(text)
		text = append(text, i)
		for ; j > 0 && natural[text[j-1]] > natural[i]; j-- {
			text[j] = text[j-1]
		}
		text[j] = i
	}
	need := 0
	for _, i := range text {
		need += natural[i]
	}
	if need <= left {
		return
	}
	for k, i := range text {
		limit := min(natural[i], max(left/(len(text)-k), longestWord[i]))
		left -= limit
		for _, row := range rows {
			if twwidth.Width(row[i]) > limit {
				row[i] = wrapWords(row[i], limit)
			}
		}
	}
}

// wrapWords puts the words of s on lines of at most width display columns (a longer word
// gets a line of its own).
func wrapWords(s string, width int) string {
	var b strings.Builder
	lineWidth := 0
	for _, word := range strings.Fields(s) {
		w := twwidth.Width(word)
		switch {
		case lineWidth == 0:
		case lineWidth+1+w <= width:
			b.WriteByte(' ')
			lineWidth++
		default:
			b.WriteByte('\n')
			lineWidth = 0
		}
		b.WriteString(word)
		lineWidth += w
	}
	return b.String()
}
