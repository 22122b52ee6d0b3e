package shell

import (
	"errors"
	"strings"
)

// errOperator is a shell operator this front end does not implement.
var errOperator = errors.New("pipes (|), redirects (< >), command lists (; &&), background jobs (&), " +
	"substitutions ($( ) and backquotes) and variables are not supported here: each line runs one kubectl command. " +
	"Quote the character to pass it to kubectl")

// splitWords splits a command line the way a POSIX shell splits words,
// without any expansion: blanks separate words; single quotes keep
// everything literally; double quotes keep everything but \" \\ \$ \`
// literally; a backslash outside quotes escapes the next character. An
// unquoted operator character or $, and a $ or backquote a shell would
// expand inside double quotes, are refused (errOperator), so a line never
// silently means something else than it would in a shell.
func splitWords(line string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if in {
				words, in = append(words, cur.String()), false
				cur.Reset()
			}
		case c == '\\':
			in = true
			if i+1 < len(line) {
				i++
				cur.WriteByte(line[i])
			}
		case c == '\'':
			in = true
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			in = true
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' && j+1 < len(line) && strings.IndexByte("\"\\$`", line[j+1]) >= 0 {
					j++
				} else if line[j] == '`' || line[j] == '$' && j+1 < len(line) && expands(line[j+1]) {
					return nil, errOperator
				}
				cur.WriteByte(line[j])
			}
			if j >= len(line) {
				return nil, errors.New("unterminated double quote")
			}
			i = j
		case strings.IndexByte("|&;<>`$()", c) >= 0:
			return nil, errOperator
		case c == '#' && !in:
			i = len(line) // a comment
		default:
			in = true
			cur.WriteByte(c)
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// expands says whether a shell would expand "$" followed by c.
func expands(c byte) bool {
	return c == '{' || c == '(' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("@*#?$!-", c) >= 0
}
