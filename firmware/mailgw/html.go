package mailgw

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// htmlToText turns an HTML mail body into readable plain text: tags are
// removed, the content of script, style, head and similar elements is
// dropped, block elements and <br> become line breaks, list items get a
// bullet, table cells are separated by a space, whitespace is collapsed
// except inside <pre>, and character references are decoded with
// html.UnescapeString. It is a small scanner, not an HTML parser: it
// never fails, and it runs in time linear in len(s).
func htmlToText(s string) string {
	var w textWriter
	pre := 0
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			w.text(html.UnescapeString(s), pre > 0)
			break
		}
		if lt > 0 {
			w.text(html.UnescapeString(s[:lt]), pre > 0)
			s = s[lt:]
		}
		// s starts with '<'.
		switch {
		case strings.HasPrefix(s, "<!--"):
			s = skipPast(s[4:], "-->")
			continue
		case strings.HasPrefix(s, "<!"), strings.HasPrefix(s, "<?"):
			s = skipPast(s[2:], ">")
			continue
		}
		name, closing, rest, ok := readTag(s)
		if !ok {
			w.text("<", pre > 0) // a lone '<' in text
			s = s[1:]
			continue
		}
		s = rest
		switch name {
		case "script", "style", "head", "title", "noscript", "template", "svg", "object":
			if !closing {
				s = skipPast(s, "</"+name) // case-insensitive below
				s = skipPast(s, ">")
			}
		case "br":
			w.newline(1)
		case "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "ul", "ol", "dl":
			w.newline(2)
		case "pre":
			w.newline(2)
			if closing {
				pre = max(pre-1, 0)
			} else {
				pre++
			}
		case "div", "tr", "section", "article", "header", "footer", "nav", "aside", "main",
			"address", "figure", "figcaption", "form", "fieldset", "dt", "dd", "center":
			w.newline(1)
		case "li":
			w.newline(1)
			if !closing {
				w.raw("• ")
			}
		case "hr":
			w.newline(1)
			w.raw("────────────────────")
			w.newline(1)
		case "td", "th":
			if !closing {
				w.space()
			}
		}
	}
	return w.String()
}

// readTag reads the tag at the start of s ("<name ...>" or "</name ...>")
// and returns its lower-case name and what follows the '>'. ok is false
// when s does not start a tag. Attribute values in quotes may hold '>'.
func readTag(s string) (name string, closing bool, rest string, ok bool) {
	i := 1
	if i < len(s) && s[i] == '/' {
		closing = true
		i++
	}
	start := i
	for i < len(s) && (isASCIILetter(s[i]) || (i > start && s[i] >= '0' && s[i] <= '9')) {
		i++
	}
	if i == start {
		return "", false, s, false
	}
	name = strings.ToLower(s[start:i])
	var quote byte
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return name, closing, s[i+1:], true
		}
	}
	return name, closing, "", true // unterminated: the rest is the tag
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// skipPast returns what follows the first occurrence of end in s, matched
// without regard to ASCII case, or "" when there is none. end starts with
// a byte that is not a letter ('<', '-' or '>').
func skipPast(s, end string) string {
	for {
		i := strings.IndexByte(s, end[0])
		if i < 0 {
			return ""
		}
		if len(s)-i >= len(end) && strings.EqualFold(s[i:i+len(end)], end) {
			return s[i+len(end):]
		}
		s = s[i+1:]
	}
}

// textWriter collects text with collapsed whitespace and explicit line
// breaks.
type textWriter struct {
	b          strings.Builder
	newlines   int  // line breaks at the end of b
	needSpace  bool // a space is due before the next word
	lineLength int  // bytes written since the last line break
}

// text writes t; outside <pre> runs of whitespace become one space.
func (w *textWriter) text(t string, keep bool) {
	if keep {
		for _, line := range strings.SplitAfter(strings.ReplaceAll(t, "\r\n", "\n"), "\n") {
			if strings.HasSuffix(line, "\n") {
				w.raw(strings.TrimSuffix(line, "\n"))
				w.b.WriteByte('\n')
				w.newlines++
				w.lineLength = 0
				continue
			}
			w.raw(line)
		}
		return
	}
	if r, _ := utf8.DecodeRuneInString(t); unicode.IsSpace(r) {
		w.space()
	}
	words := strings.Fields(t)
	for i, word := range words {
		if i > 0 {
			w.space()
		}
		w.raw(word)
	}
	if r, _ := utf8.DecodeLastRuneInString(t); len(words) > 0 && unicode.IsSpace(r) {
		w.space()
	}
}

// space asks for a space before the next word, unless at a line start.
func (w *textWriter) space() {
	if w.lineLength > 0 {
		w.needSpace = true
	}
}

// raw writes t as it is, after a pending space.
func (w *textWriter) raw(t string) {
	if t == "" {
		return
	}
	if w.needSpace {
		w.b.WriteByte(' ')
		w.needSpace = false
	}
	w.b.WriteString(t)
	w.newlines = 0
	w.lineLength += len(t)
}

// newline ends the line; n = 2 leaves an empty line (a paragraph break).
// Line breaks at the very start are dropped.
func (w *textWriter) newline(n int) {
	w.needSpace = false
	if w.b.Len() == 0 {
		return
	}
	for w.newlines < n {
		w.b.WriteByte('\n')
		w.newlines++
	}
	w.lineLength = 0
}

// String returns the text with trailing blanks removed from every line.
func (w *textWriter) String() string {
	lines := strings.Split(w.b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
