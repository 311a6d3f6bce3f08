package output

import "strings"

// CommandLine is a command for a person to paste into a POSIX shell: each word quoted as it
// needs. args are the command's words up to its arguments (name, subcommands, flags);
// operands are its arguments, preceded by "--" when one starts with a dash, so that a key
// such as "-x" is not read as a flag.
func CommandLine(args []string, operands ...string) string {
	words := make([]string, 0, len(args)+len(operands)+1)
	for _, a := range args {
		words = append(words, ShellQuote(a))
	}
	for _, o := range operands {
		if strings.HasPrefix(o, "-") {
			words = append(words, "--")
			break
		}
	}
	for _, o := range operands {
		words = append(words, ShellQuote(o))
	}
	return strings.Join(words, " ")
}

// ShellQuote quotes a word for a POSIX shell when it needs it: in single quotes, each single
// quote in it closed, escaped and reopened.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
