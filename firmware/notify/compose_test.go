package notify_test

import (
	"bytes"
	"errors"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"faxbox/firmware/notify"
	"faxbox/t30"
)

var brussels = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

// fakePDF holds every byte value, so that a lossy encoding shows.
var fakePDF = func() []byte {
	b := []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	for i := range 256 {
		b = append(b, byte(i))
	}
	return append(b, "\n%%EOF\n"...)
}()

func at(h, m, s int) time.Time { return time.Date(2026, 11, 26, h, m, s, 0, brussels) }

func delivered() notify.Notice {
	return notify.Notice{
		From: "Faxbox <fax@example.com>", To: "Jérôme Dupré <jerome@example.be>",
		Number: "+32 2 555 12 12", Name: "Zoë Müller-Łukasz", Subject: "Größenangebot – 2027",
		Pages: 3, Delivered: 3, Outcome: notify.Delivered,
		Attempts: []notify.Attempt{
			{Start: at(14, 3, 5), Duration: 12 * time.Second, Reason: t30.ReasonBusy, Text: "the line was busy"},
			{Start: at(14, 8, 0), Duration: 94 * time.Second, Reason: t30.ReasonOK, Text: "sent", Pages: 3},
		},
		Archive:  &notify.Archive{Name: "fax-größe.pdf", Data: fakePDF},
		Location: brussels, Date: at(14, 9, 40),
	}
}

func failed() notify.Notice {
	return notify.Notice{
		From: "fax@example.com", To: "anne@example.com",
		Number: "+32 2 555 12 12", Pages: 3, Outcome: notify.Failed,
		Attempts: []notify.Attempt{
			{Start: at(9, 0, 0), Duration: 40 * time.Second, Reason: t30.ReasonNoAnswer, Text: "no one answered"},
			{Start: at(9, 10, 0), Duration: 41 * time.Second, Reason: t30.ReasonNoAnswer, Text: "no one answered"},
			{Start: at(10, 10, 0), Duration: 3 * time.Second, Reason: t30.ReasonBusy, Text: "the line was busy"},
		},
		Archive:  &notify.Archive{Data: fakePDF}, // never attached to a failure
		Location: brussels, Date: at(10, 11, 0),
	}
}

// parsed is a composed mail read back with go-message.
type parsed struct {
	header      mail.Header
	text, html  string
	htmlRaw     string // html is unescaped, for comparisons
	textType    string
	attachments map[string][]byte
	attachType  string
}

func parse(t *testing.T, m *notify.Message) parsed {
	t.Helper()
	raw := string(m.Data)
	head, _, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok {
		t.Fatalf("no CRLF blank line after the header:\n%s", raw)
	}
	for _, line := range strings.Split(head, "\r\n") {
		if len(line) > 998 {
			t.Errorf("header line of %d bytes", len(line))
		}
		for _, c := range []byte(line) {
			if c >= 0x80 {
				t.Fatalf("header line not ASCII (not encoded): %q", line)
			}
		}
	}
	if strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\n") {
		t.Error("bare LF in the message")
	}
	r, err := mail.CreateReader(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	p := parsed{header: r.Header, attachments: map[string][]byte{}}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatal(err)
		}
		switch h := part.Header.(type) {
		case *mail.InlineHeader:
			ct, params, _ := h.ContentType()
			if params["charset"] != "utf-8" {
				t.Errorf("%s part charset %q", ct, params["charset"])
			}
			switch ct {
			case "text/plain":
				p.text, p.textType = string(body), ct
			case "text/html":
				p.htmlRaw, p.html = string(body), html.UnescapeString(string(body))
			default:
				t.Errorf("unexpected inline part %s", ct)
			}
		case *mail.AttachmentHeader:
			name, err := h.Filename()
			if err != nil {
				t.Fatal(err)
			}
			p.attachType, _, _ = h.ContentType()
			p.attachments[name] = body
		}
	}
	return p
}

func TestComposeDelivered(t *testing.T) {
	m, err := notify.Compose(delivered())
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, m)

	wantSubject := "Fax to Zoë Müller-Łukasz (+32 2 555 12 12) delivered (3 pages)"
	if m.Subject != wantSubject {
		t.Errorf("Message.Subject = %q", m.Subject)
	}
	if s, err := p.header.Subject(); err != nil || s != wantSubject {
		t.Errorf("Subject = %q, %v; want %q", s, err, wantSubject)
	}
	from, err := p.header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Faxbox" || from[0].Address != "fax@example.com" {
		t.Errorf("From = %v, %v", from, err)
	}
	to, err := p.header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Jérôme Dupré" || to[0].Address != "jerome@example.be" {
		t.Errorf("To = %v, %v", to, err)
	}
	if m.From != "fax@example.com" || len(m.To) != 1 || m.To[0] != "jerome@example.be" {
		t.Errorf("envelope %q -> %q", m.From, m.To)
	}
	if d, err := p.header.Date(); err != nil || !d.Equal(at(14, 9, 40)) {
		t.Errorf("Date = %v, %v", d, err)
	}
	if id, err := p.header.MessageID(); err != nil || id != m.ID || !strings.HasSuffix(id, "@example.com") {
		t.Errorf("Message-ID = %q, %v (Message.ID %q)", id, err, m.ID)
	}
	for k, v := range map[string]string{"MIME-Version": "1.0", "Auto-Submitted": "auto-generated", "X-Faxbox-Outcome": "delivered"} {
		if got := p.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if ct, _, _ := p.header.ContentType(); ct != "multipart/mixed" {
		t.Errorf("Content-Type = %q", ct)
	}

	for _, want := range []string{
		"Your fax to Zoë Müller-Łukasz (+32 2 555 12 12) was delivered.",
		"Größenangebot – 2027", "3 of 3",
		"times in Europe/Brussels",
		"Thu 26 Nov 2026, 14:03:05", "12 s", "the line was busy",
		"Thu 26 Nov 2026, 14:08:00", "1 min 34 s", "sent",
		"attached (fax-größe.pdf)",
	} {
		if !strings.Contains(p.text, want) {
			t.Errorf("text lacks %q:\n%s", want, p.text)
		}
		if !strings.Contains(p.html, want) {
			t.Errorf("HTML lacks %q:\n%s", want, p.html)
		}
	}
	if !strings.Contains(p.html, "<table") || !strings.Contains(p.html, "<th") {
		t.Errorf("HTML has no attempts table:\n%s", p.html)
	}
	if got, ok := p.attachments["fax-größe.pdf"]; !ok || !bytes.Equal(got, fakePDF) {
		t.Errorf("attachment: %d attachments %v, PDF intact %v", len(p.attachments), keys(p.attachments), ok && bytes.Equal(got, fakePDF))
	}
	if p.attachType != "application/pdf" {
		t.Errorf("attachment type %q", p.attachType)
	}
	t.Logf("text part:\n%s", p.text)
}

func keys(m map[string][]byte) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}

func TestComposeFailed(t *testing.T) {
	m, err := notify.Compose(failed())
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, m)
	if want := "Fax to +32 2 555 12 12 failed: the line was busy"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	if ct, _, _ := p.header.ContentType(); ct != "multipart/alternative" {
		t.Errorf("Content-Type = %q", ct)
	}
	if len(p.attachments) != 0 {
		t.Errorf("failure notice has attachments %v", keys(p.attachments))
	}
	for _, want := range []string{
		"could not be delivered: the line was busy.",
		"0 of 3", "No page reached the recipient.", "Faxbox made 3 attempts",
		"Thu 26 Nov 2026, 09:00:00", "40 s", "no one answered",
		"Thu 26 Nov 2026, 09:10:00", "41 s",
		"Thu 26 Nov 2026, 10:10:00", "3 s",
	} {
		if !strings.Contains(p.text, want) || !strings.Contains(p.html, want) {
			t.Errorf("text or HTML lacks %q:\n%s", want, p.text)
		}
	}
	if strings.Count(p.text, "no one answered") != 2 {
		t.Errorf("attempt rows:\n%s", p.text)
	}
	t.Logf("text part:\n%s", p.text)
}

func TestComposeSubjects(t *testing.T) {
	partial := failed()
	partial.Pages, partial.Delivered = 5, 2
	partial.Attempts = []notify.Attempt{{Start: at(9, 0, 0), Reason: t30.ReasonLineDropped, Text: "the line dropped during page 3", Pages: 2}}

	cancelled := failed()
	cancelled.Outcome, cancelled.Attempts = notify.Cancelled, nil

	cancelledLate := partial
	cancelledLate.Outcome = notify.Cancelled

	one := delivered()
	one.Name, one.Pages, one.Delivered = "", 1, 1

	noCode := failed()
	noCode.Attempts = []notify.Attempt{{Start: at(9, 0, 0), Reason: "no-dialtone"}}

	for _, c := range []struct {
		n       notify.Notice
		subject string
		body    string
	}{
		{partial, "Fax to +32 2 555 12 12 failed after 2 of 5 pages: the line dropped during page 3",
			"The recipient received 2 of the 5 pages; the other 3 did not arrive."},
		{cancelled, "Fax to +32 2 555 12 12 cancelled", "was cancelled."},
		{cancelledLate, "Fax to +32 2 555 12 12 cancelled (2 of 5 pages delivered)", "had already received 2 of the 5 pages"},
		{one, "Fax to +32 2 555 12 12 delivered (1 page)", "was delivered."},
		{noCode, "Fax to +32 2 555 12 12 failed: no dialtone", "Faxbox made 1 attempt and"},
	} {
		m, err := notify.Compose(c.n)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != c.subject {
			t.Errorf("subject %q, want %q", m.Subject, c.subject)
		}
		if p := parse(t, m); !strings.Contains(p.text, c.body) {
			t.Errorf("%s: text lacks %q:\n%s", c.subject, c.body, p.text)
		}
	}
}

func TestComposeArchiveFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "job-42.pdf")
	if err := os.WriteFile(path, fakePDF, 0o600); err != nil {
		t.Fatal(err)
	}
	n := delivered()
	n.Archive = &notify.Archive{Path: path}
	m, err := notify.Compose(n)
	if err != nil || m.ArchiveErr != nil {
		t.Fatal(err, m.ArchiveErr)
	}
	if got := parse(t, m).attachments["job-42.pdf"]; !bytes.Equal(got, fakePDF) {
		t.Errorf("attachment from file not intact (%d bytes)", len(got))
	}

	// A missing archive still gives a notice, which says so.
	n.Archive = &notify.Archive{Path: filepath.Join(dir, "gone.pdf")}
	m, err = notify.Compose(n)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(m.ArchiveErr, os.ErrNotExist) {
		t.Errorf("ArchiveErr = %v", m.ArchiveErr)
	}
	p := parse(t, m)
	if len(p.attachments) != 0 || !strings.Contains(p.text, "could not be attached") {
		t.Errorf("attachments %v, text:\n%s", keys(p.attachments), p.text)
	}
}

func TestComposeMessageID(t *testing.T) {
	n := failed()
	a, _ := notify.Compose(n)
	b, _ := notify.Compose(n)
	if a.ID == b.ID {
		t.Errorf("random Message-IDs equal: %q", a.ID)
	}
	n.Ref = "job 42"
	a, _ = notify.Compose(n)
	b, _ = notify.Compose(n)
	if a.ID != b.ID || a.ID != "faxbox.job-42.failed@example.com" {
		t.Errorf("Message-IDs from Ref: %q, %q", a.ID, b.ID)
	}
}

func TestComposeEscapesHTML(t *testing.T) {
	n := failed()
	n.Subject = `<script>alert("x")</script> & co`
	m, err := notify.Compose(n)
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, m)
	if strings.Contains(p.htmlRaw, "<script>") || !strings.Contains(p.htmlRaw, "&lt;script&gt;") {
		t.Errorf("HTML not escaped:\n%s", p.html)
	}
	if !strings.Contains(p.text, `<script>alert("x")</script> & co`) {
		t.Errorf("text altered:\n%s", p.text)
	}
}

func TestComposeInvalid(t *testing.T) {
	for name, f := range map[string]func(*notify.Notice){
		"from":    func(n *notify.Notice) { n.From = "faxbox" },
		"to":      func(n *notify.Notice) { n.To = "" },
		"number":  func(n *notify.Notice) { n.Number = " " },
		"outcome": func(n *notify.Notice) { n.Outcome = 0 },
	} {
		n := failed()
		f(&n)
		if _, err := notify.Compose(n); !errors.Is(err, notify.ErrInvalid) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestComposeReport: the transmission report is attached to a failure
// notice too (where the fax itself is not), and the text says so.
func TestComposeReport(t *testing.T) {
	report := []byte("%PDF-1.4 report")
	for _, n := range []notify.Notice{failed(), delivered()} {
		n.Report = &notify.Archive{Name: "report-3225551212.pdf", Data: report}
		m, err := notify.Compose(n)
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, m)
		if got := p.attachments["report-3225551212.pdf"]; !bytes.Equal(got, report) {
			t.Errorf("%v notice: attachments %v", n.Outcome, keys(p.attachments))
		}
		if want := 1 + map[notify.Outcome]int{notify.Delivered: 1}[n.Outcome]; len(p.attachments) != want {
			t.Errorf("%v notice: %d attachments %v, want %d", n.Outcome, len(p.attachments), keys(p.attachments), want)
		}
		if want := "The transmission report, to keep as proof of sending, is attached (report-3225551212.pdf)."; !strings.Contains(p.text, want) || !strings.Contains(p.html, want) {
			t.Errorf("%v notice lacks %q:\n%s", n.Outcome, want, p.text)
		}
	}
}
