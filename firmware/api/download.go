package api

import (
	"context"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"faxbox/firmware/store"
)

// Downloads are named for what they are, so that a folder of them reads:
// "fax-2026-12-07-from-ACME.pdf", "message-12-to-Jan-Peeters.pdf",
// "report-31-to-Jan-Peeters.pdf".

// downloadName joins parts with hyphens, each reduced to letters and
// digits (runs of anything else become one hyphen), and adds ext.
func downloadName(ext string, parts ...string) string {
	var words []string
	for _, p := range parts {
		w := strings.FieldsFunc(p, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if len(w) > 0 {
			words = append(words, strings.Join(w, "-"))
		}
	}
	name := strings.Join(words, "-")
	if r := []rune(name); len(r) > 80 {
		name = strings.TrimRight(string(r[:80]), "-")
	}
	return name + ext
}

// setDownload sets Content-Disposition to an attachment named name (RFC
// 6266 section 4.3: RFC 5987 filename* when it is not ASCII).
func setDownload(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
}

// receivedName names received fax rx's download: the day it came in and
// who sent it (the company or contact of the address book, the remote's
// ident, or the number).
func (s *Server) receivedName(ctx context.Context, rx store.Received, ext string) string {
	who := s.who(ctx, rx.CallerID, rx.CallerIdent)
	from := who.Company
	if from == "" {
		from = who.Name
	}
	if from == "" {
		from = strings.TrimSpace(rx.CallerIdent)
	}
	if from == "" {
		from = who.E164
	}
	parts := []string{"fax", rx.At.In(s.location()).Format("2006-01-02")}
	if from != "" {
		parts = append(parts, "from", from)
	}
	return downloadName(ext, parts...)
}

// messageName names the download of message m's copy for the job the
// request asked for (?job=ID, default the first): its id and recipient.
func (s *Server) messageName(ctx context.Context, m store.Message, job string, ext string) string {
	var to store.Recipient
	for i, j := range m.Jobs {
		if i == 0 || strconv.FormatInt(j.ID, 10) == job {
			to = j.Recipient
		}
	}
	name := to.Name
	if name == "" {
		w := s.who(ctx, to.Number)
		name = w.Name
		if name == "" {
			name = w.E164
		}
	}
	return downloadName(ext, "message", strconv.FormatInt(m.ID, 10), "to", name)
}
