package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/emersion/go-message/mail"
)

// ErrInvalid is wrapped by Compose's errors: the Notice lacks something
// a mail needs (a valid From or To address, a number, an outcome).
var ErrInvalid = errors.New("notify: invalid notice")

// Message is a composed e-mail, ready for Sender.Send.
type Message struct {
	// From and To are the envelope addresses (bare, no display names).
	From string
	To   []string
	// ID is the Message-ID without angle brackets.
	ID      string
	Subject string
	// Data is the whole RFC 5322 message, CRLF line endings.
	Data []byte
	// ArchiveErr, when not nil, says why the archive PDF of a delivered
	// fax could not be attached; the mail says so and is complete
	// otherwise.
	ArchiveErr error
}

// WriteTo writes the message (headers and body) to w.
func (m *Message) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(m.Data)
	return int64(n), err
}

// Compose builds the e-mail that tells the sender how the job in n ended.
func Compose(n Notice) (*Message, error) {
	from, err := mail.ParseAddress(n.From)
	if err != nil {
		return nil, fmt.Errorf("%w: From %q: %v", ErrInvalid, n.From, err)
	}
	to, err := mail.ParseAddress(n.To)
	if err != nil {
		return nil, fmt.Errorf("%w: To %q: %v", ErrInvalid, n.To, err)
	}
	if strings.TrimSpace(n.Number) == "" {
		return nil, fmt.Errorf("%w: no recipient number", ErrInvalid)
	}
	if n.Outcome < Delivered || n.Outcome > Cancelled {
		return nil, fmt.Errorf("%w: outcome %v", ErrInvalid, n.Outcome)
	}
	if n.Date.IsZero() {
		n.Date = time.Now()
	}
	m := &Message{From: from.Address, To: []string{to.Address}, Subject: n.subject()}
	m.ID, err = messageID(&n, from.Address)
	if err != nil {
		return nil, err
	}

	// The archive is read first: the text says whether it is attached.
	var pdf []byte
	var pdfName string
	if n.Outcome == Delivered && n.Archive != nil {
		pdf, pdfName, m.ArchiveErr = n.Archive.load()
	}

	var h mail.Header
	h.SetAddressList("From", []*mail.Address{from})
	h.SetAddressList("To", []*mail.Address{to})
	h.SetSubject(m.Subject)
	h.SetDate(n.Date)
	h.SetMessageID(m.ID)
	h.Set("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies
	h.Set("X-Faxbox-Outcome", n.Outcome.String())

	var attach []attachment
	if pdf != nil {
		attach = append(attach, attachment{pdfName, pdf})
	}
	b := body{n: &n, archive: pdfName, archiveErr: m.ArchiveErr}
	if n.Report != nil {
		if data, name, err := n.Report.load(); err == nil {
			attach = append(attach, attachment{name, data})
			b.report = name
		}
	}
	data, err := writeMail(h, b, attach)
	if err != nil {
		return nil, err
	}
	m.Data = data
	return m, nil
}

// writeMail writes the mail of header h and text b: a plain text mail
// without attachments, else a multipart one with the PDFs attached.
func writeMail(h mail.Header, b body, attach []attachment) ([]byte, error) {
	var buf bytes.Buffer
	if len(attach) == 0 {
		iw, err := mail.CreateInlineWriter(&buf, h)
		if err == nil {
			err = b.writeAndClose(iw)
		}
		return buf.Bytes(), err
	}
	mw, err := mail.CreateWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	iw, err := mw.CreateInline()
	if err == nil {
		err = b.writeAndClose(iw)
	}
	if err != nil {
		return nil, err
	}
	for _, a := range attach {
		if err := attachPDF(mw, a.name, a.data); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// attachment is a PDF file attached to a notice.
type attachment struct {
	name string
	data []byte
}

// attachPDF adds pdf to a mail as the attachment name.
func attachPDF(mw *mail.Writer, name string, pdf []byte) error {
	var ah mail.AttachmentHeader
	ah.SetContentType("application/pdf", map[string]string{"name": name})
	ah.SetFilename(name)
	aw, err := mw.CreateAttachment(ah)
	if err != nil {
		return err
	}
	if _, err := aw.Write(pdf); err != nil {
		return err
	}
	return aw.Close()
}

// load returns the archive's bytes and file name.
func (a *Archive) load() ([]byte, string, error) {
	name := a.Name
	if name == "" && a.Data == nil && a.Path != "" {
		name = filepath.Base(a.Path)
	}
	if name == "" {
		name = "fax.pdf"
	}
	if a.Data != nil {
		return a.Data, name, nil
	}
	if a.Path == "" {
		return nil, "", errors.New("notify: archive has neither data nor path")
	}
	data, err := os.ReadFile(a.Path)
	if err != nil {
		return nil, "", fmt.Errorf("notify: reading the archive: %w", err)
	}
	return data, name, nil
}

// messageID returns a Message-ID in the From address's domain, derived
// from n.Ref when set.
func messageID(n *Notice, from string) (string, error) {
	domain := "faxbox.invalid"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	if n.Ref != "" {
		return "faxbox." + atext(n.Ref) + "." + n.Outcome.String() + "@" + domain, nil
	}
	var nonce [10]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", err
	}
	return "faxbox." + strconv.FormatInt(n.Date.UnixNano(), 36) + "." + hex.EncodeToString(nonce[:]) + "@" + domain, nil
}

// atext keeps the characters a Message-ID's left part may hold without
// quoting, replacing the others with '-'.
func atext(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("-_=+", r):
			return r
		}
		return '-'
	}, s)
}

// body renders the notice as plain text and HTML.
type body struct {
	n          *Notice
	archive    string // attached file name, "" if none
	report     string // the transmission report's file name, "" if none
	archiveErr error
}

// writeAndClose writes the text to iw and closes it.
func (b body) writeAndClose(iw *mail.InlineWriter) error {
	if err := b.write(iw); err != nil {
		return err
	}
	return iw.Close()
}

func (b body) write(iw *mail.InlineWriter) error {
	var th mail.InlineHeader
	th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	w, err := iw.CreatePart(th)
	if err != nil {
		return err
	}
	if err := b.text(w); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	var hh mail.InlineHeader
	hh.SetContentType("text/html", map[string]string{"charset": "utf-8"})
	if w, err = iw.CreatePart(hh); err != nil {
		return err
	}
	if err := htmlBody.Execute(w, b.view()); err != nil {
		return err
	}
	return w.Close()
}

// view is what both renderings say.
type view struct {
	Headline  string // first sentence
	Subject   string
	Delivered string // "2 of 5"
	Lines     []string
	Zone      string // the time zone of the table
	Attempts  []attemptView
	Archive   string
	Closing   string
}

type attemptView struct {
	N                      int
	Start, Duration, Cause string
	Pages                  int
}

func (b body) view() view {
	n := b.n
	v := view{Subject: n.Subject, Delivered: fmt.Sprintf("%d of %d", n.Delivered, n.Pages), Zone: zoneName(n)}
	to := n.recipient()
	switch n.Outcome {
	case Delivered:
		v.Headline = fmt.Sprintf("Your fax to %s was delivered.", to)
		if len(n.Attempts) > 0 {
			last := n.Attempts[len(n.Attempts)-1]
			v.Lines = append(v.Lines, fmt.Sprintf("The last page was confirmed by the recipient's fax machine on %s.", n.clock(last.Start.Add(last.Duration))))
		}
	case Failed:
		v.Headline = fmt.Sprintf("Your fax to %s could not be delivered: %s.", to, n.cause())
		switch {
		case n.Delivered > 0:
			v.Lines = append(v.Lines, fmt.Sprintf("The recipient received %d of the %s; the other %d did not arrive.", n.Delivered, pages(n.Pages), n.Pages-n.Delivered))
		default:
			v.Lines = append(v.Lines, "No page reached the recipient.")
		}
		v.Lines = append(v.Lines, fmt.Sprintf("Faxbox made %s and has stopped trying. You can send the fax again from Faxbox.", times(len(n.Attempts))))
	case Cancelled:
		v.Headline = fmt.Sprintf("Your fax to %s was cancelled.", to)
		if n.Cause != "" {
			v.Headline = fmt.Sprintf("Your fax to %s was cancelled: %s.", to, n.Cause)
		}
		if n.Delivered > 0 {
			v.Lines = append(v.Lines, fmt.Sprintf("The recipient had already received %d of the %s.", n.Delivered, pages(n.Pages)))
		} else {
			v.Lines = append(v.Lines, "No page reached the recipient.")
		}
	}
	for i, a := range n.Attempts {
		v.Attempts = append(v.Attempts, attemptView{N: i + 1, Start: n.clock(a.Start), Duration: duration(a.Duration), Cause: a.text(), Pages: a.Pages})
	}
	switch {
	case b.archive != "":
		v.Archive = fmt.Sprintf("The fax as it was sent is attached (%s).", b.archive)
	case b.archiveErr != nil:
		v.Archive = "The copy of the sent fax could not be attached: it is no longer available on Faxbox."
	}
	if b.report != "" {
		v.Archive = strings.TrimSpace(v.Archive + " The transmission report, to keep as proof of sending, is attached (" + b.report + ").")
	}
	v.Closing = "This message was sent automatically by Faxbox; replies are not read."
	return v
}

// times returns "1 attempt" or "n attempts".
func times(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// zoneName names the time zone the times are shown in.
func zoneName(n *Notice) string {
	loc := n.location()
	if name := loc.String(); name != "Local" && name != "" {
		return name
	}
	abbr, _ := n.Date.In(loc).Zone()
	return abbr
}

func (b body) text(w io.Writer) error {
	v := b.view()
	var s strings.Builder
	s.WriteString(v.Headline + "\n\n")
	if v.Subject != "" {
		fmt.Fprintf(&s, "Subject:          %s\n", v.Subject)
	}
	fmt.Fprintf(&s, "Pages delivered:  %s\n\n", v.Delivered)
	for _, l := range v.Lines {
		s.WriteString(l + "\n")
	}
	if len(v.Attempts) > 0 {
		s.WriteString("\nWhat Faxbox tried")
		if v.Zone != "" {
			fmt.Fprintf(&s, " (times in %s)", v.Zone)
		}
		s.WriteString(":\n\n")
		tw := tabwriter.NewWriter(&s, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "#\tStarted\tLasted\tPages\tResult")
		for _, a := range v.Attempts {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\n", a.N, a.Start, a.Duration, a.Pages, a.Cause)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if v.Archive != "" {
		s.WriteString("\n" + v.Archive + "\n")
	}
	s.WriteString("\n-- \n" + v.Closing + "\n")
	_, err := io.WriteString(w, s.String())
	return err
}

var htmlBody = template.Must(template.New("notice").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Headline}}</title></head>
<body style="font-family: sans-serif; font-size: 14px; color: #222;">
<p style="font-size: 16px;"><strong>{{.Headline}}</strong></p>
<table style="border-collapse: collapse;">
{{- if .Subject}}
<tr><td style="padding: 2px 12px 2px 0;">Subject</td><td>{{.Subject}}</td></tr>
{{- end}}
<tr><td style="padding: 2px 12px 2px 0;">Pages delivered</td><td>{{.Delivered}}</td></tr>
</table>
{{range .Lines}}<p>{{.}}</p>
{{end -}}
{{if .Attempts}}<p>What Faxbox tried{{if .Zone}} (times in {{.Zone}}){{end}}:</p>
<table style="border-collapse: collapse;">
<tr>{{range $h := .Headers}}<th style="text-align: left; border-bottom: 1px solid #999; padding: 4px 12px 4px 0;">{{$h}}</th>{{end}}</tr>
{{range .Attempts}}<tr><td style="padding: 4px 12px 4px 0;">{{.N}}</td><td style="padding: 4px 12px 4px 0;">{{.Start}}</td><td style="padding: 4px 12px 4px 0;">{{.Duration}}</td><td style="padding: 4px 12px 4px 0;">{{.Pages}}</td><td style="padding: 4px 12px 4px 0;">{{.Cause}}</td></tr>
{{end}}</table>
{{end -}}
{{if .Archive}}<p>{{.Archive}}</p>
{{end -}}
<p style="color: #777; font-size: 12px;">{{.Closing}}</p>
</body></html>
`))

// Headers are the attempt table's column titles.
func (view) Headers() []string { return []string{"#", "Started", "Lasted", "Pages", "Result"} }
