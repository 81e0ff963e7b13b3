package notify_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"faxbox/firmware/daemon"
	"faxbox/firmware/notify"
	"faxbox/firmware/store"
	"faxbox/pages"
	"faxbox/t30"
)

// received stores a received fax of n pages (MR, as the daemon keeps
// them) routed to user, finished partial or not, and returns it with its
// pages.
func (e *watchEnv) received(t *testing.T, user int64, n int, partial bool) (store.Received, []*pages.Page) {
	t.Helper()
	ctx := context.Background()
	var r store.Received
	var doc []*pages.Page
	for i := 1; i <= n; i++ {
		p, err := pages.NewPage(1728, 200)
		if err != nil {
			t.Fatal(err)
		}
		p.XDPI, p.YDPI = 204, 196
		for x := range 150 * i {
			p.Set(x, 20+i, true)
		}
		doc = append(doc, p)
		var buf bytes.Buffer
		tw, err := pages.NewTIFFWriter(&buf, 0)
		if err == nil {
			err = daemon.WriteReceivedPage(tw, t30.ReceivedPage{Number: i, Page: p, Params: t30.Params{Coding: t30.CodingMR}})
		}
		if err == nil {
			err = tw.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		rel := filepath.Join("received", fmt.Sprintf("r%d", e.clk.Now().UnixNano()), fmt.Sprintf("page-%03d.tif", i))
		if err := os.MkdirAll(filepath.Join(e.st.Dir(), filepath.Dir(rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		_, sum, err := store.WriteFile(filepath.Join(e.st.Dir(), rel), &buf, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		rp := store.ReceivedPage{File: store.PageFile{Index: i, Path: rel, SHA256: sum}, Quality: store.PageQuality{Index: i, Rows: 200}}
		if i == 1 {
			r, err = e.st.StartReceived(ctx, store.Incoming{Modem: "ttyS0", CallerIdent: "+32 2 555 9999", CallerID: "3225559999", User: user}, rp)
		} else {
			err = e.st.AddReceivedPage(ctx, r.ID, rp)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	r, err := e.st.FinishReceived(ctx, r.ID, store.ReceivedEnd{Partial: partial, Quality: "good", Duration: time.Minute,
		Call: store.ReceivedCall{ReasonCode: "partial", ReasonText: "the line dropped during page 3"}})
	if err != nil {
		t.Fatal(err)
	}
	return r, doc
}

// attachedPDF parses a delivered mail into its header, its text and its
// PDF attachment.
func attachedPDF(t *testing.T, data []byte) (*mail.Header, string, []byte) {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var text string
	var pdf []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatal(err)
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			text += string(b)
		case *mail.AttachmentHeader:
			if ct, _, _ := h.ContentType(); ct != "application/pdf" {
				t.Fatalf("attachment of type %s", ct)
			}
			pdf = b
		}
	}
	return &mr.Header, text, pdf
}

// TestForwardReceived: with forwarding on, every received fax goes by
// mail, PDF attached, through a real SMTP server on loopback: to the
// configured address and to the user the fax is routed to; a partial fax
// says so; a relay that is down delays the forward, it is not lost.
func TestForwardReceived(t *testing.T) {
	e := newWatchEnv(t)
	w := e.watcher(t, func(c *notify.WatcherConfig) {
		c.Forward = notify.Forwarding{To: "Office <office@example.com>", ToUser: true}
		c.MinBackoff = time.Minute
	})
	r, doc := e.received(t, e.user.ID, 2, false)
	poll(t, w)
	got := e.relay.messages()
	if len(got) != 1 {
		t.Fatalf("%d mails, want 1", len(got))
	}
	if fmt.Sprint(got[0].to) != "[office@example.com alice@example.com]" {
		t.Fatalf("forwarded to %v", got[0].to)
	}
	h, text, pdf := attachedPDF(t, got[0].data)
	subject, _ := h.Subject()
	if subject != "Fax from +32 2 555 9999 (3225559999), 2 pages" || !strings.Contains(text, fmt.Sprintf("received fax %d", r.ID)) {
		t.Fatalf("subject %q, text %q", subject, text)
	}
	var want bytes.Buffer
	if err := e.st.ReceivedPDF(context.Background(), &want, mustReceived(t, e.st, r.ID)); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Equal(pdf, want.Bytes()) || len(doc) != 2 {
		t.Fatalf("attachment of %d bytes is not the fax's PDF (%d bytes)", len(pdf), want.Len())
	}

	// A fax for all staff goes to the office address only; a partial one
	// says so. The relay is down at first: the forward waits, then goes.
	e.mailer.setPort(1)
	part, _ := e.received(t, 0, 2, true)
	next := poll(t, w)
	if len(e.relay.messages()) != 1 || next.IsZero() {
		t.Fatalf("sent while the relay was down, or not queued (next %v)", next)
	}
	e.mailer.setPort(e.relay.port)
	e.clk.Advance(2 * time.Minute)
	poll(t, w)
	got = e.relay.messages()
	if len(got) != 2 || fmt.Sprint(got[1].to) != "[office@example.com]" {
		t.Fatalf("%d mails, last to %v", len(got), got[len(got)-1].to)
	}
	h, text, _ = attachedPDF(t, got[1].data)
	subject, _ = h.Subject()
	if !strings.HasSuffix(subject, "(incomplete)") || !strings.Contains(text, "line dropped during page 3") {
		t.Fatalf("partial fax %d: subject %q, text %q", part.ID, subject, text)
	}
	// Nothing is sent twice.
	e.clk.Advance(time.Hour)
	poll(t, w)
	if n := len(e.relay.messages()); n != 2 {
		t.Fatalf("%d mails after another poll", n)
	}
}

// TestForwardOff: without forwarding, received faxes send no mail.
func TestForwardOff(t *testing.T) {
	e := newWatchEnv(t)
	w := e.watcher(t, nil)
	e.received(t, e.user.ID, 1, false)
	poll(t, w)
	if n := len(e.relay.messages()); n != 0 {
		t.Fatalf("%d mails", n)
	}
}

func mustReceived(t *testing.T, st *store.Store, id int64) store.Received {
	t.Helper()
	r, err := st.GetReceived(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
