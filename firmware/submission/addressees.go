package submission

import (
	"faxbox/firmware/store"
	"faxbox/pages/render"
)

// party is how a recipient appears on a page.
func party(rc Recipient) render.Party {
	return render.Party{Name: rc.Name, Organisation: rc.Organisation, Fax: rc.Number.International()}
}

// Addressees returns the recipients that recipient i's copy names, as in
// e-mail (RFC 5322 section 3.6.3): every To and Cc recipient, and a Bcc
// recipient itself besides them; no other Bcc recipient. The copy's own
// recipient is marked Self.
func Addressees(rcpts []Recipient, i int) []render.Addressee {
	var out []render.Addressee
	for j, rc := range rcpts {
		if rc.Field == store.Bcc && j != i {
			continue
		}
		out = append(out, render.Addressee{Party: party(rc), Field: fieldName(rc.Field), Self: j == i})
	}
	return out
}

// fieldName is a field as a header block names it.
func fieldName(f store.Field) string {
	switch f {
	case store.Cc:
		return "Cc"
	case store.Bcc:
		return "Bcc"
	}
	return "To"
}
