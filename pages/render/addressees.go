package render

import (
	"fmt"
	"strings"
)

// Addressee is a recipient that a copy's header block names, in the field
// it was addressed in: "To", "Cc" or "Bcc". Self marks the recipient the
// copy is for. As in e-mail (RFC 5322 section 3.6.3), every copy names the
// To and Cc recipients and a Bcc recipient's copy names only itself
// besides them; the caller chooses the list, this package draws it.
type Addressee struct {
	Party
	Field string
	Self  bool
}

// ThisCopy is the mark after the addressee a copy is for.
const ThisCopy = "(this copy)"

// addresseeFields lays out addressees as header-block fields, one per
// field name in the order To, Cc, Bcc, each addressee on its own line:
// "Name, Organisation, Fax number", the copy's own marked ThisCopy.
func addresseeFields(as []Addressee) []HeaderField {
	var out []HeaderField
	for _, f := range []string{"To", "Cc", "Bcc"} {
		var lines []string
		for _, a := range as {
			if !strings.EqualFold(a.Field, f) {
				continue
			}
			var parts []string
			for _, p := range []string{a.Name, a.Organisation, a.Fax} {
				if p = strings.TrimSpace(p); p != "" {
					parts = append(parts, p)
				}
			}
			l := strings.Join(parts, ", ")
			if a.Self {
				l += " " + ThisCopy
			}
			lines = append(lines, l)
		}
		if len(lines) > 0 {
			out = append(out, HeaderField{f + ":", strings.Join(lines, "\n")})
		}
	}
	return out
}

// HeaderField is one field of the first page's header block: "To:" and
// the recipients it names, one a line.
type HeaderField struct {
	Label, Value string
}

// HeaderFields returns the header block of the document's first page:
// what it says, without pixels.
func (d *Document) HeaderFields() []HeaderField { return d.headerFields(d.total) }

// headerFields is the header block of a document of total pages: the
// sender, the recipients, date, subject and page count.
func (d *Document) headerFields(total int) []HeaderField {
	join := func(sep string, parts ...string) string {
		var out []string
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return strings.Join(out, sep)
	}
	fromFax := d.msg.From.Fax
	if fromFax == "" {
		fromFax = d.r.o.StationFax
	}
	party := func(p Party, fax string) string {
		s := join(", ", p.Name, p.Organisation)
		if fax != "" {
			s = join("\n", s, "Fax: "+fax)
		}
		return s
	}
	fields := []HeaderField{{"From:", party(d.msg.From, fromFax)}}
	if len(d.msg.Addressees) > 0 {
		fields = append(fields, addresseeFields(d.msg.Addressees)...)
	} else {
		fields = append(fields, HeaderField{"To:", party(d.msg.To, d.msg.To.Fax)})
	}
	return append(fields,
		HeaderField{"Date:", d.t.Format(d.r.o.DateLayout)},
		HeaderField{"Subject:", d.msg.Subject},
		HeaderField{"Pages:", fmt.Sprintf("%d (including this page)", total)})
}
