package sipline_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/modem"
	"faxbox/pages"
	"faxbox/sip"
	"faxbox/sipline"
	"faxbox/t30"
	"faxbox/t38"
)

// freePort returns a loopback UDP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// account opens a loopback account for calls calls at once whose T.38
// lines do not pace data (both ends are Faxbox, no modem behind), unless
// paced.
func account(t *testing.T, number string, calls int, paced ...bool) *sipline.Account {
	t.Helper()
	cfg := sip.Default()
	cfg.Listen, cfg.User, cfg.Number, cfg.MaxCalls = "127.0.0.1", "fax", number, calls
	p := freePort(t)
	cfg.SIPPorts = sip.PortRange{Lo: p, Hi: min(p+20, 65535)}
	cfg.MediaPorts = sip.PortRange{Lo: 42000, Hi: 42999}
	cfg.RingTimeout = sip.Duration(5 * time.Second)
	a, err := sipline.Open(cfg, sipline.Options{Name: number, T38: t38.Config{NoPacing: len(paced) == 0 || !paced[0]}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

type faxCall struct {
	send, recv t30.Result
	got        []*pages.Page
	ring       modem.Ring
	ringErr    error
}

// fax sends doc from line out to the account in's line, which waits for
// the ring and answers as the daemon's pool does.
func fax(t *testing.T, out *sipline.Line, in *sipline.Line, target string, doc t30.Pages) *faxCall {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var c faxCall
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.ring, c.ringErr = in.WaitRing(ctx)
		if c.ringErr != nil {
			return
		}
		o := t30.Options{Ident: "+32 2 555 01 02", OnPage: func(p t30.ReceivedPage) error { c.got = append(c.got, p.Page); return nil }}
		c.recv = t30.Receive(ctx, in, o)
		_ = in.HangUp(ctx)
	}()
	c.send = t30.Send(ctx, out, target, doc, t30.Options{Ident: "+32 2 555 01 01"})
	_ = out.HangUp(ctx)
	wg.Wait()
	return &c
}

func (c *faxCall) check(t *testing.T, doc t30.Pages) {
	t.Helper()
	if c.ringErr != nil {
		t.Fatalf("WaitRing: %v", c.ringErr)
	}
	if !c.send.OK() || !c.recv.OK() || c.send.Pages != len(doc) || len(c.got) != len(doc) {
		t.Fatalf("send %+v\nreceive %+v", c.send, c.recv)
	}
	for i := range doc {
		if !c.got[i].Equal(doc[i]) {
			t.Fatalf("page %d differs", i+1)
		}
	}
}

func checkRecord(t *testing.T, r sipline.Record, outgoing bool) {
	t.Helper()
	if r.Outgoing != outgoing || !r.T38 || r.Answered.IsZero() || r.Ended.IsZero() || r.Billed() <= 0 {
		t.Fatalf("record %+v", r)
	}
	if r.Stats.Sent == 0 || r.Stats.Received == 0 || len(r.Packets) == 0 {
		t.Fatalf("no T.38 packets in the record: %+v", r.Stats)
	}
	for _, m := range r.SIP {
		if !strings.Contains(string(m.Msg), r.CallID) {
			t.Fatalf("a message of another call in the trace of %s:\n%s", r.CallID, m.Msg)
		}
	}
	var b strings.Builder
	if err := r.WriteTrace(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"INVITE sip:", "SIP/2.0 200 OK", "BYE sip:", "T.38 ind:", "T.38 data:v21"} {
		if !strings.Contains(b.String(), want) {
			t.Fatalf("trace lacks %q:\n%s", want, b.String())
		}
	}
}

// TestCallBetweenLines: Faxbox calls Faxbox over SIP and T.38 on
// loopback: the called line reports the INVITE as a ring with the
// caller's number, answers, and receives the page; both records carry the
// billing times, the SIP dialog and the T.38 packets.
func TestCallBetweenLines(t *testing.T) {
	a, b := account(t, "4420", 1), account(t, "4930", 1)
	doc := t30.Pages{testPage(t)}
	c := fax(t, a.Lines()[0], b.Lines()[0], "sip:4930@"+b.Agent().Addr().String(), doc)
	c.check(t, doc)
	if c.ring.Count != 1 || c.ring.CallerID.Number != "4420" {
		t.Fatalf("ring %+v", c.ring)
	}
	out, in := a.Lines()[0].Record(), b.Lines()[0].Record()
	checkRecord(t, out, true)
	checkRecord(t, in, false)
	if out.CallID != in.CallID {
		t.Fatalf("call IDs %q and %q", out.CallID, in.CallID)
	}
	// Both ends bill the same call: from the 200 OK to the BYE, as seen
	// from each side of loopback.
	if d := out.Billed() - in.Billed(); d < -500*time.Millisecond || d > 500*time.Millisecond {
		t.Fatalf("billed %v by the caller, %v by the called", out.Billed(), in.Billed())
	}
	// The caller's billing runs from the 200 OK it received to the first
	// BYE on the wire.
	near := func(a, b time.Time) bool { return !b.IsZero() && a.Sub(b).Abs() < 5*time.Millisecond }
	if ok := msgTime(out, false, "SIP/2.0 200 OK", "INVITE"); !near(out.Answered, ok) {
		t.Fatalf("billing starts at %v, the 200 OK came at %v", out.Answered, ok)
	}
	// Both ends hang up at once: the BYE that ends the call is ours or
	// theirs, whichever came first.
	if ours, theirs := msgTime(out, true, "BYE ", ""), msgTime(out, false, "BYE ", ""); !near(out.Ended, ours) && !near(out.Ended, theirs) {
		t.Fatalf("billing ends at %v, the BYEs at %v and %v", out.Ended, ours, theirs)
	}
}

// msgTime returns the time of the first message sent (or received) that
// starts with start and, if cseq is not empty, has that CSeq method.
func msgTime(r sipline.Record, sent bool, start, cseq string) time.Time {
	for _, m := range r.SIP {
		s := string(m.Msg)
		if m.Sent == sent && strings.HasPrefix(s, start) && (cseq == "" || strings.Contains(s, " "+cseq+"\r\n")) {
			return m.Time
		}
	}
	return time.Time{}
}

// TestCallsAtOnce: two calls at once on one account (max_calls 2), each
// line with its own call, record and trace.
func TestCallsAtOnce(t *testing.T) {
	a, b := account(t, "4420", 2), account(t, "4930", 2)
	doc := t30.Pages{testPage(t)}
	var wg sync.WaitGroup
	calls := make([]*faxCall, 2)
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			calls[i] = fax(t, a.Lines()[i], b.Lines()[i], "sip:4930@"+b.Agent().Addr().String(), doc)
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for i, c := range calls {
		c.check(t, doc)
		r := a.Lines()[i].Record()
		checkRecord(t, r, true)
		ids[r.CallID] = true
	}
	if len(ids) != 2 {
		t.Fatalf("call IDs %v", ids)
	}
}

// TestDialBusy: a call the far end refuses ends Dial with the SIP reason,
// filed under the modem error the T.30 engine knows (busy), and nothing
// is billed.
func TestDialBusy(t *testing.T) {
	a := account(t, "4420", 1)
	cfg := sip.Default()
	cfg.Listen, cfg.User, cfg.Answer = "127.0.0.1", "fax", sip.AnswerNever
	p := freePort(t)
	cfg.SIPPorts = sip.PortRange{Lo: p, Hi: min(p+20, 65535)}
	b, err := sip.NewAgent(cfg, sip.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	line := a.Lines()[0]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = line.Dial(ctx, "sip:4930@"+b.Addr().String())
	var end *sipline.EndError
	if !errors.As(err, &end) || end.Reason != sip.ReasonNoAnswer || !errors.Is(err, modem.ErrNoAnswer) {
		t.Fatalf("Dial: %v (%#v)", err, end)
	}
	if r := line.Record(); r.Billed() != 0 || r.Final != sip.EventFailed || r.Status != 480 {
		t.Fatalf("record %+v", r)
	}
	res := t30.Send(ctx, line, "sip:4930@"+b.Addr().String(), t30.Pages{testPage(t)}, t30.Options{})
	if res.Reason != t30.ReasonNoAnswer {
		t.Fatalf("t30: %+v", res)
	}
}

// TestDigitsNeedADomain: digits from the dial plan go to the account's
// domain; without one Dial fails at once.
func TestDigitsNeedADomain(t *testing.T) {
	a := account(t, "4420", 1)
	err := a.Lines()[0].Dial(context.Background(), "0123456")
	if err == nil || !errors.Is(err, modem.ErrNoDialTone) || !strings.Contains(err.Error(), "no domain") {
		t.Fatalf("Dial: %v", err)
	}
}
