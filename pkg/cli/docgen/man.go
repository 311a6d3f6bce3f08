package docgen

import (
	"bytes"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Man renders one section-1 man page per visible command and help topic, keyed by file name
// (nimbusctl-contact-import.1). The pages carry no date, so they change only when the
// command tree does.
func Man(root *cobra.Command) (map[string]string, error) {
	root.DisableAutoGenTag = true // no "HISTORY: generated on <date>"
	files := map[string]string{}
	var err error
	walk(root, func(c *cobra.Command) {
		if err != nil {
			return
		}
		var b bytes.Buffer
		header := &doc.GenManHeader{Title: strings.ToUpper(manName(c)), Section: "1", Date: &noDate,
			Source: "nimbusctl", Manual: "nimbusctl manual"}
		long, use := c.Long, c.Use
		c.Long, c.Use = preformatted(long), angles.Replace(use)
		c.DisableFlagsInUseLine = c.DisableFlagsInUseLine || c.Annotations["helpTopic"] == "true"
		err = doc.GenMan(c, header, &b)
		c.Long, c.Use = long, use
		if err != nil {
			return
		}
		files[manName(c)+".1"] = strings.Replace(b.String(), `"`+noDate.Format("Jan 2006")+`"`, `""`, 1)
	})
	return files, err
}

// noDate stands for the date cobra wants in the page header; it is taken out again.
var noDate = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)

func manName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "-")
}

// angles escapes what Markdown would take for HTML tags: <BOOK> would vanish.
var angles = strings.NewReplacer("<", `\<`, ">", `\>`)

// preformatted keeps the help text's indented lines (tables, commands) as they are: the man
// renderer reads the text as Markdown, which would join them into one paragraph. Elsewhere
// it escapes angle brackets.
func preformatted(text string) string {
	lines := strings.Split(text, "\n")
	var out []string
	inBlock := false
	for _, line := range lines {
		if t := strings.TrimLeft(line, "\t"); t != line {
			line = strings.Repeat("  ", len(line)-len(t)) + t
		}
		indented := strings.HasPrefix(line, "  ") && strings.TrimSpace(line) != ""
		switch {
		case indented && !inBlock:
			if len(out) > 0 && out[len(out)-1] != "" {
				out = append(out, "")
			}
			inBlock = true
		case !indented && inBlock && strings.TrimSpace(line) != "":
			out = append(out, "")
			inBlock = false
		case strings.TrimSpace(line) == "":
			inBlock = false
		}
		if indented {
			line = "    " + line
		} else {
			line = angles.Replace(line)
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
