package contacts

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The vCard subset: RFC 2426 (3.0) and RFC 6350 (4.0) cards with FN, N,
// ORG and TEL; other properties are read past. A module such as
// github.com/emersion/go-vcard would parse more, but its proxy serves only
// pseudo-versions and an address book needs these four properties.

// vcardLineMax is the longest line WriteVCard writes, in octets without
// CRLF (RFC 6350 3.2).
const vcardLineMax = 75

// WriteVCard writes contacts as vCard 3.0, the version most address
// books read: FN, N, ORG and one TEL per number (TYPE=fax, cell or
// voice), lines folded at 75 octets, CRLF line ends.
func WriteVCard(w io.Writer, cs []Contact) error {
	bw := bufio.NewWriter(w)
	for _, c := range cs {
		lines := []string{"BEGIN:VCARD", "VERSION:3.0", "FN:" + vcardEscape(c.Name), "N:" + vcardEscape(c.Name) + ";;;;"}
		if c.Company != "" {
			lines = append(lines, "ORG:"+vcardEscape(c.Company))
		}
		for _, n := range c.Numbers {
			typ := map[Label]string{Fax: "fax,work", Phone: "voice,work", Mobile: "cell"}[n.Label]
			lines = append(lines, "TEL;TYPE="+typ+":"+vcardEscape(n.Number))
		}
		lines = append(lines, "END:VCARD")
		for _, l := range lines {
			bw.WriteString(fold(l))
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("contacts: vcard: %w", err)
	}
	return nil
}

// fold splits a content line into lines of at most 75 octets, each
// continuation starting with a space, never inside a UTF-8 sequence.
func fold(line string) string {
	var b strings.Builder
	limit := vcardLineMax
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = vcardLineMax - 1 // the leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return b.String()
}

// vcardEscape escapes a text value (RFC 6350 3.4).
func vcardEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ",", `\,`, ";", `\;`, "\r\n", `\n`, "\n", `\n`).Replace(s)
}

// vcardSplit splits a structured value at unescaped sep and unescapes the
// parts.
func vcardSplit(s string, sep byte) []string {
	var parts []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
		case c == sep:
			parts = append(parts, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(parts, b.String())
}

// vcardUnescape unescapes a text value.
func vcardUnescape(s string) string { return strings.Join(vcardSplit(s, 0), "") }

// ReadVCard reads the cards of a vCard file (3.0 or 4.0; 2.1's bare TEL
// types are understood too). A card without FN or N comes back with Err
// set. Numbers are not validated here: Book.Import does that.
func ReadVCard(r io.Reader) ([]Row, error) {
	lines, err := unfold(io.LimitReader(r, maxImport+1))
	if err != nil {
		return nil, err
	}
	var rows []Row
	var cur *Row
	var fn, n string
	for _, line := range lines {
		name, params, value, ok := property(line)
		if !ok {
			continue // not a content line: skip it, as readers do
		}
		switch {
		case name == "BEGIN" && strings.EqualFold(value, "VCARD"):
			cur = &Row{Row: len(rows) + 1}
			fn, n = "", ""
		case cur == nil:
			// outside a card
		case name == "END" && strings.EqualFold(value, "VCARD"):
			cur.Contact.Name = fn
			if cur.Contact.Name == "" {
				cur.Contact.Name = n
			}
			if strings.TrimSpace(cur.Contact.Name) == "" {
				cur.Err = &InvalidError{Field: "name", Reason: "the card has no FN or N"}
			}
			rows = append(rows, *cur)
			cur = nil
		case name == "FN":
			fn = vcardUnescape(value)
		case name == "N":
			// family;given;additional;prefixes;suffixes → "prefix given additional family suffix"
			p := append(vcardSplit(value, ';'), "", "", "", "", "")
			n = strings.Join(strings.Fields(strings.Join([]string{p[3], p[1], p[2], p[0], p[4]}, " ")), " ")
		case name == "ORG":
			cur.Contact.Company = strings.TrimSpace(vcardSplit(value, ';')[0])
		case name == "TEL":
			num := strings.TrimPrefix(vcardUnescape(value), "tel:")
			cur.Contact.Numbers = append(cur.Contact.Numbers, Number{Label: telLabel(params), Number: num})
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: no vCard (BEGIN:VCARD ... END:VCARD) in the file", ErrInvalid)
	}
	return rows, nil
}

// unfold reads the content lines, joining folded continuations.
func unfold(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var lines []string
	size := 0
	for sc.Scan() {
		l := strings.TrimSuffix(sc.Text(), "\r")
		size += len(l) + 2
		if size > maxImport {
			return nil, fmt.Errorf("%w: the file is larger than %d bytes", ErrInvalid, maxImport)
		}
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(lines) > 0 {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: vcard: %v", ErrInvalid, err)
	}
	return lines, nil
}

// property splits "group.NAME;PARAM=a,b;TYPE=c:value" into the upper-case
// name, the lower-case parameter values (TYPE's and 2.1's bare ones) and
// the raw value.
func property(line string) (name string, params []string, value string, ok bool) {
	head, value, ok := cutUnquoted(line)
	if !ok {
		return "", nil, "", false
	}
	parts := strings.Split(head, ";")
	name = strings.ToUpper(parts[0])
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	for _, p := range parts[1:] {
		_, v, has := strings.Cut(p, "=")
		if !has {
			v = p // vCard 2.1: TEL;FAX;WORK:...
		}
		for _, t := range strings.Split(strings.Trim(v, `"`), ",") {
			params = append(params, strings.ToLower(strings.TrimSpace(t)))
		}
	}
	return name, params, value, true
}

// cutUnquoted cuts line at its first colon outside a quoted parameter.
func cutUnquoted(line string) (string, string, bool) {
	quoted := false
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '"':
			quoted = !quoted
		case ':':
			if !quoted {
				return line[:i], line[i+1:], true
			}
		}
	}
	return "", "", false
}

// telLabel maps TEL's types to a Label.
func telLabel(types []string) Label {
	for _, t := range types {
		switch t {
		case "fax":
			return Fax
		case "cell", "mobile":
			return Mobile
		}
	}
	return Phone
}
