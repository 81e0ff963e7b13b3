package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"faxbox/firmware/events"
	"faxbox/firmware/store"
)

// Forwarding says where the Watcher forwards received faxes by e-mail,
// each as a PDF attachment, when their call has ended
// (events.KindReceived): partial faxes too, marked as such. The forwards share
// the notices' durability: the event is marked handled only once the
// relay took the mail, refused it for good, or it was queued for another
// try.
type Forwarding struct {
	// To is an address every received fax goes to (config
	// inbox.forward_to); "" for none.
	To string
	// ToUser also sends a fax routed to a user to that user's address,
	// as WatcherConfig.Address gives it (config inbox.forward_to_user).
	ToUser bool
}

func (f Forwarding) enabled() bool { return f.To != "" || f.ToUser }

// forwardState is the state column of a forward in notify_pending (the
// job column holds the received fax's id): no job state is spelt so.
const forwardState = "received"

// noticeOf returns the mail an event calls for: a job's notice, or the
// forward of a received fax.
func (w *Watcher) noticeOf(e store.Event) (noticeKey, bool) {
	if n, ok := finalJob(e); ok {
		return n, true
	}
	if e.Kind != events.KindReceived || !w.cfg.Forward.enabled() {
		return noticeKey{}, false
	}
	pl, err := e.Decode()
	p, ok := pl.(events.ReceivedEvent)
	if err != nil || !ok || p.Received == 0 {
		return noticeKey{}, false
	}
	return noticeKey{Job: p.Received, StateStr: forwardState}, true
}

// parseNoticeState reads a pending mail's state: a job's final state, or
// forwardState (the zero State).
func parseNoticeState(s string) (store.State, error) {
	if s == forwardState {
		return 0, nil
	}
	return store.ParseState(s)
}

// forward mails received fax n.Job to the forwarding addresses; its
// results are handle's.
func (w *Watcher) forward(ctx context.Context, n noticeKey) (retry, err error) {
	log := w.log.With("received", n.Job)
	rx, err := w.cfg.Store.GetReceived(ctx, n.Job)
	if errors.Is(err, store.ErrNotFound) {
		log.Info("notify: no forward: the received fax was deleted")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var to []string
	if w.cfg.Forward.To != "" {
		to = append(to, w.cfg.Forward.To)
	}
	if w.cfg.Forward.ToUser && rx.User != 0 {
		addr, err := w.cfg.Address(ctx, rx.User)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return fmt.Errorf("notify: address of user %d: %w", rx.User, err), nil
		}
		if addr != "" && addr != w.cfg.Forward.To {
			to = append(to, addr)
		}
	}
	if len(to) == 0 {
		log.Info("notify: no forward: no address to forward to", "user", rx.User)
		return nil, nil
	}
	var pdf bytes.Buffer
	if err := w.cfg.Store.ReceivedPDF(ctx, &pdf, rx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		log.Error("notify: forward dropped: the received fax cannot be read", "err", err)
		return nil, nil
	}
	msg, err := ComposeForward(w.cfg.From, to, rx, pdf.Bytes(), w.cfg.Now(), w.cfg.Location)
	if err != nil {
		log.Error("notify: forward dropped: it cannot be composed", "to", to, "err", err)
		return nil, nil
	}
	return w.deliver(ctx, log, msg, "forward")
}

// deliver sends msg and sorts the outcome as handle does: nil retry when
// sent or refused for good, the cause when it should be tried again.
func (w *Watcher) deliver(ctx context.Context, log *slog.Logger, msg *Message, what string) (retry, err error) {
	err = w.cfg.Mailer.Send(ctx, msg)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var se *Error
	switch {
	case err == nil:
		log.Info("notify: "+what+" sent", "to", strings.Join(msg.To, ", "), "message_id", msg.ID)
		return nil, nil
	case errors.As(err, &se) && (se.Temporary() || se.Kind == Setup):
		// A set-up problem is fixed by the administrator, who then expects
		// the mail to go out.
		return err, nil
	case errors.As(err, &se), errors.Is(err, ErrNoRelay), errors.Is(err, ErrInvalid):
		log.Error("notify: "+what+" dropped: the relay refused it", "to", strings.Join(msg.To, ", "), "err", err)
		return nil, nil
	}
	return err, nil // a Mailer's own error: try again
}

// ComposeForward builds the e-mail that forwards received fax rx, with
// its pages as the PDF pdf, from address from to the addresses to. Times
// are shown in loc (nil: time.Local). The Message-ID derives from the
// fax's id, so a repeated send is recognisably the same mail.
func ComposeForward(from string, to []string, rx store.Received, pdf []byte, date time.Time, loc *time.Location) (*Message, error) {
	fa, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("%w: From %q: %v", ErrInvalid, from, err)
	}
	var tos []*mail.Address
	m := &Message{From: fa.Address}
	for _, t := range to {
		a, err := mail.ParseAddress(t)
		if err != nil {
			return nil, fmt.Errorf("%w: To %q: %v", ErrInvalid, t, err)
		}
		tos = append(tos, a)
		m.To = append(m.To, a.Address)
	}
	if len(tos) == 0 || len(pdf) == 0 {
		return nil, fmt.Errorf("%w: a forward needs a recipient and the fax", ErrInvalid)
	}
	if loc == nil {
		loc = time.Local
	}
	sender := strings.TrimSpace(rx.CallerIdent)
	if rx.CallerID != "" && rx.CallerID != sender {
		sender = strings.TrimSpace(sender + " (" + rx.CallerID + ")")
	}
	if sender == "" {
		sender = "an unknown sender"
	}
	m.Subject = fmt.Sprintf("Fax from %s, %s", sender, pages(rx.Pages))
	if rx.Partial {
		m.Subject += " (incomplete)"
	}
	domain := "faxbox.invalid"
	if at := strings.LastIndexByte(fa.Address, '@'); at >= 0 && at < len(fa.Address)-1 {
		domain = fa.Address[at+1:]
	}
	m.ID = fmt.Sprintf("faxbox.received-%d.forward@%s", rx.ID, domain)

	var h mail.Header
	h.SetAddressList("From", []*mail.Address{fa})
	h.SetAddressList("To", tos)
	h.SetSubject(m.Subject)
	h.SetDate(date)
	h.SetMessageID(m.ID)
	h.Set("Auto-Submitted", "auto-generated")
	var buf bytes.Buffer
	mw, err := mail.CreateWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	var th mail.InlineHeader
	th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	tw, err := mw.CreateSingleInline(th)
	if err != nil {
		return nil, err
	}
	if err := forwardText(tw, rx, sender, loc); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := attachPDF(mw, fmt.Sprintf("fax-%d.pdf", rx.ID), pdf); err != nil {
		return nil, err
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	m.Data = buf.Bytes()
	return m, nil
}

// forwardText writes the plain-text body of a forward.
func forwardText(w io.Writer, rx store.Received, sender string, loc *time.Location) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Faxbox received a fax from %s on %s: %s, attached as a PDF.\r\n",
		sender, rx.At.In(loc).Format("Monday 2 January 2006 at 15:04"), pages(rx.Pages))
	if rx.Partial {
		fmt.Fprintf(&b, "\r\nThe call ended before the end of the fax: only the pages received are attached.\r\n")
		if rx.Call.ReasonText != "" {
			fmt.Fprintf(&b, "Cause: %s.\r\n", strings.TrimRight(rx.Call.ReasonText, "."))
		}
	}
	if rx.Quality != "" && rx.Quality != "good" {
		fmt.Fprintf(&b, "\r\nCopy quality: %s.\r\n", rx.Quality)
	}
	fmt.Fprintf(&b, "\r\nThe fax is also in Faxbox's inbox (received fax %d).\r\n", rx.ID)
	_, err := io.WriteString(w, b.String())
	return err
}
