package daemon_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/daemon"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/modem/sim"
	"faxbox/pages"
	"faxbox/sip"
	"faxbox/sipline"
	"faxbox/t30"
	"faxbox/t38"
)

// The SIP acceptance test adds a SIP account's line to the acceptance
// test's telephone network (acceptance_test.go): the far end of the SIP
// line is another SIP account on loopback, whose first line answers as
// the number dialled would, with Faxbox's own T.30 over T.38, paced as a
// gateway (CED for 3 s before the fax talks), and whose second line
// calls the pool.

// sipFar is the far end of the pool's SIP line: it answers each call the
// pool places as the number dialled says, on its own goroutine (serve).
type sipFar struct {
	net   *network
	line  *sipline.Line
	route chan string // the number dialled, before each call
}

// sipRouted is the pool's SIP line, which tells its far end the number it
// dials and keeps each call's billed time (from the 200 OK to the BYE).
type sipRouted struct {
	*sipline.Line
	far *sipFar

	mu     sync.Mutex
	billed map[string]time.Duration // by Call-ID
}

func (r *sipRouted) Dial(ctx context.Context, number string) error {
	select {
	case r.far.route <- number:
	case <-ctx.Done():
		return ctx.Err()
	}
	return r.Line.Dial(ctx, number)
}

func (r *sipRouted) HangUp(ctx context.Context) error {
	err := r.Line.HangUp(ctx)
	if rec := r.Record(); rec.CallID != "" {
		r.mu.Lock()
		r.billed[rec.CallID] = rec.Billed()
		r.mu.Unlock()
	}
	return err
}

// billedTimes returns the billed time of every call the line ended.
func (r *sipRouted) billedTimes() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []time.Duration
	for _, d := range r.billed {
		out = append(out, d)
	}
	return out
}

func (f *sipFar) serve(ctx context.Context, t *testing.T) {
	for {
		var dialled string
		select {
		case <-ctx.Done():
			return
		case dialled = <-f.route:
		}
		d, a := f.net.call(dialled)
		if d == nil || a != answer && a != dropAt2 {
			t.Errorf("the pool dialled %q on the SIP line, which answers or drops only", dialled)
			continue
		}
		if _, err := f.line.WaitRing(ctx); err != nil {
			continue
		}
		cctx, cancel := context.WithCancel(ctx)
		var got []*pages.Page
		t30.Receive(cctx, f.line, t30.Options{Ident: "+32 2 555 " + dialled[len(dialled)-4:],
			OnPage: func(p t30.ReceivedPage) error {
				if a == dropAt2 && p.Number == 2 {
					// The far end hangs up (BYE) with page 2 in,
					// before it confirms it.
					cancel()
					return errors.New("hanging up")
				}
				got = append(got, p.Page)
				return nil
			}})
		cancel()
		_ = f.line.HangUp(ctx)
		f.net.mu.Lock()
		d.received = append(d.received, got)
		f.net.mu.Unlock()
	}
}

// sipAccount opens a loopback SIP account of calls lines named name/1...
func sipAccount(t *testing.T, name, number, domain string, calls int, paced bool) *sipline.Account {
	t.Helper()
	cfg := sip.Default()
	cfg.Listen, cfg.User, cfg.Number, cfg.MaxCalls, cfg.Domain = "127.0.0.1", "fax", number, calls, domain
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := c.LocalAddr().(*net.UDPAddr).Port
	c.Close()
	cfg.SIPPorts = sip.PortRange{Lo: p, Hi: min(p+20, 65535)}
	cfg.MediaPorts = sip.PortRange{Lo: 45000, Hi: 45199}
	a, err := sipline.Open(cfg, sipline.Options{Name: name, T38: t38.Config{NoPacing: !paced}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// waitLineIn waits until the pool's line name is in one of states.
func waitLineIn(t *testing.T, p *daemon.Pool, name string, states ...daemon.ModemState) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, m := range p.Status() {
			for _, s := range states {
				if m.Name == name && m.State == s {
					return
				}
			}
		}
	}
	t.Fatalf("line %s not %v after 30 s: %+v", name, states, p.Status())
}

func overlap(aStart, aEnd, bStart, bEnd time.Time) bool {
	return aStart.Before(bEnd) && bStart.Before(aEnd)
}

// TestAcceptanceSIPBesideModem: a pool of a simulated modem and a SIP
// account's line. Two messages queued at once go out at the same time,
// one on each line; both destinations' lines drop at page 2 (on SIP, the
// far end's BYE) and the retries, on either line, send pages 2 and 3
// only. Then a fax comes in on the SIP line while the modem sends a
// third message, and lands in the inbox of the user its caller's number
// routes to. Each answered outgoing call is charged the tariff of its
// metered time (on SIP, from the 200 OK to the BYE, not capped), every
// hold is settled, and the received fax costs nothing.
func TestAcceptanceSIPBesideModem(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bob, err := e.st.CreateUser(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	nw := &network{dests: map[string]*dest{
		"5551001": {plan: []action{dropAt2, answer}},
		"5551002": {plan: []action{dropAt2, answer}},
		"5551003": {plan: []action{answer}},
	}}

	// The modem line, as in TestAcceptance.
	a, r := newLine(t, sim.LineConfig{AnswerTimeout: 20 * time.Second})
	far := &farEnd{net: nw, line: r.line, m: r.m, route: make(chan string), ready: make(chan struct{}), over: make(chan struct{}, 1)}
	go far.serve(ctx, t)

	// The SIP line: our account calls digits at the far account's address.
	farAcct := sipAccount(t, "far", "4930", "", 2, true)
	ours := sipAccount(t, "sip", "4420", farAcct.Agent().Addr().String(), 1, false)
	sfar := &sipFar{net: nw, line: farAcct.Lines()[0], route: make(chan string)}
	go sfar.serve(ctx, t)
	sl := &sipRouted{Line: ours.Lines()[0], far: sfar, billed: map[string]time.Duration{}}

	p, err := daemon.New(daemon.Config{Store: e.st, Ledger: e.led, DialPlan: numbers.DialPlan{Country: "BE"},
		Lines: []daemon.Line{
			{Name: "sim0", Modem: routed{a, far}},
			{Name: sl.Name(), Modem: sl, Answer: daemon.AnswerPolicy{Mode: config.AnswerRings, Rings: 1}},
		},
		Fax: t30.Options{Ident: "+32 2 555 0100"}, Backoff: fastBackoff, Poll: time.Second,
		Inbox: config.Inbox{ByNumber: map[string]string{"4930": "bob"}}})
	if err != nil {
		t.Fatal(err)
	}

	// Two messages queued before the pool starts: one goes on each line.
	docs := map[string][]*pages.Page{}
	submit := func(num string, who, n int) int64 {
		var doc []*pages.Page
		for i := range n {
			doc = append(doc, recipientPage(t, who, i+1))
		}
		docs[num] = doc
		m, err := e.st.CreateMessage(ctx, store.NewMessage{Sender: e.user.ID, Subject: "test", MaxAttempts: 3,
			Recipients: []store.Recipient{{Field: store.To, Number: "+322" + num}}, Pages: e.pageFiles(t, fmt.Sprintf("m%d-", who), doc)})
		if err != nil {
			t.Fatal(err)
		}
		return m.Jobs[0].ID
	}
	ids := []int64{submit("5551001", 1, 3), submit("5551002", 2, 3)}
	runUntilCleanup(t, ctx, p)
	jobs := e.waitJobs(t, 2*time.Minute, ids...)
	// Both lines drop at page 2, whichever job each carries: the retries
	// send pages 2 and 3 only.
	for _, j := range jobs {
		if j.State != store.Delivered || len(j.History) != 2 || j.PagesConfirmed != 3 {
			t.Fatalf("job %d: %v after %s, %d pages confirmed", j.ID, j.State, reasons(j), j.PagesConfirmed)
		}
		if first, second := j.History[0], j.History[1]; first.PagesConfirmed != 1 || second.FirstPage != 2 || second.PagesConfirmed != 2 {
			t.Errorf("job %d's attempts: %+v\n%+v", j.ID, first, second)
		}
	}
	// The first attempts of both went out at once, one on each line.
	a1, b1 := jobs[0].History[0], jobs[1].History[0]
	if a1.Modem == b1.Modem || !overlap(a1.Started, a1.Ended, b1.Started, b1.Ended) {
		t.Errorf("first calls on %s (%v to %v) and %s (%v to %v): want both lines at once",
			a1.Modem, a1.Started, a1.Ended, b1.Modem, b1.Started, b1.Ended)
	}
	// The far end files a call once it has hung up, which may be just
	// after the pool's side has finished the job.
	got := func(num string) [][]*pages.Page {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if len(nw.received(nw.dests[num])) == len(nw.dests[num].plan) {
				break
			}
		}
		return nw.received(nw.dests[num])
	}
	for _, num := range []string{"5551001", "5551002"} {
		if calls := got(num); len(calls) != 2 {
			t.Errorf("%s received %d calls", num, len(calls))
		} else {
			samePages(t, calls[0], docs[num][:1])
			samePages(t, calls[1], docs[num][1:])
		}
	}

	// A fax comes in on the SIP line; while it is received the modem
	// line sends a third message.
	caller := farAcct.Lines()[1]
	in := []*pages.Page{recipientPage(t, 4, 1), recipientPage(t, 4, 2), recipientPage(t, 4, 3)}
	sent := make(chan t30.Result, 1)
	var inStart, inEnd time.Time
	go func() {
		inStart = time.Now()
		res := t30.Send(ctx, caller, "sip:4420@"+ours.Agent().Addr().String(), t30.Pages(in), t30.Options{Ident: "+32 2 555 9999"})
		_ = caller.HangUp(ctx)
		inEnd = time.Now()
		sent <- res
	}()
	waitLineIn(t, p, sl.Name(), daemon.ModemRinging, daemon.ModemReceiving)
	third := e.waitJobs(t, 2*time.Minute, submit("5551003", 3, 2))[0]
	if res := <-sent; !res.OK() || res.Pages != len(in) {
		t.Fatalf("sending to the pool's SIP line: %+v", res)
	}
	c3 := third.History[0]
	if third.State != store.Delivered || c3.Modem != "sim0" || !overlap(inStart, inEnd, c3.Started, c3.Ended) {
		t.Errorf("third job %v on %s from %v to %v; the fax came in from %v to %v", third.State, c3.Modem, c3.Started, c3.Ended, inStart, inEnd)
	}
	if calls := got("5551003"); len(calls) != 1 {
		t.Errorf("5551003 received %d calls", len(calls))
	} else {
		samePages(t, calls[0], docs["5551003"])
	}
	rx, rxPages := (&rxEnv{env: e}).waitReceived(t)
	samePages(t, rxPages, in)
	if rx.Modem != sl.Name() || rx.Pages != len(in) || rx.Partial || rx.CallerID != "4930" || rx.CallerIdent != "+32 2 555 9999" || rx.User != bob.ID {
		t.Fatalf("received %+v (bob is user %d)", rx, bob.ID)
	}
	inbox, err := e.st.ListInbox(ctx, bob.ID, store.ListOptions{})
	if err != nil || len(inbox) != 1 || inbox[0].ID != rx.ID {
		t.Fatalf("bob's inbox %+v %v", inbox, err)
	}

	// Credit: one charge per answered outgoing call, the tariff of its
	// metered time; on SIP that is from the 200 OK to the BYE (the
	// trunk's bill), seconds longer than the engine's connected time.
	checkSIPCharges(t, e, sl, append(jobs, third))
}

// checkSIPCharges checks the charge of every answered attempt of jobs:
// the tariff of the connected time on the modem, of the billed time on
// the SIP line; and that no hold is left open.
func checkSIPCharges(t *testing.T, e *env, sl *sipRouted, jobs []store.Job) {
	t.Helper()
	ctx := context.Background()
	byCall := map[string]billing.Entry{}
	var total billing.Amount
	for _, c := range e.charges(t) {
		byCall[c.Call] = c
		total += c.Amount
	}
	sipCalls, answered := 0, 0
	for _, j := range jobs {
		for _, a := range j.History {
			id := billing.CallID(j.ID, a.Number)
			c, charged := byCall[id]
			if a.Duration == 0 || !charged {
				t.Errorf("job %d attempt %d: connected %v, charged %v", j.ID, a.Number, a.Duration, charged)
				continue
			}
			answered++
			if a.Modem == "sim0" {
				checkCharge(t, c, a)
				continue
			}
			sipCalls++
			info, err := e.led.Call(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			billed := false
			for _, d := range sl.billedTimes() {
				billed = billed || (d-info.Duration).Abs() <= time.Millisecond
			}
			if !billed || info.Capped || info.Duration < a.Duration+2*time.Second || -c.Amount != rate.Cost(info.Duration) {
				t.Errorf("SIP call %s: metered %v (capped %v), connected %v, charged %d; billed times %v, tariff %d",
					id, info.Duration, info.Capped, a.Duration, -c.Amount, sl.billedTimes(), rate.Cost(info.Duration))
			}
			t.Logf("%s on %s (%s): %v connected, %v billed, charged %s", id, a.Modem, a.ReasonCode, a.Duration, info.Duration, billing.EUR.Format(-c.Amount))
		}
	}
	if sipCalls == 0 || answered != len(byCall) {
		t.Errorf("%d charges for %d answered calls, %d of them on SIP", len(byCall), answered, sipCalls)
	}
	acct, err := e.led.Account(ctx, "")
	if err != nil || acct.OpenHolds != 0 || acct.Held != 0 || acct.Balance != 50*billing.Unit+total {
		t.Errorf("account %+v %v", acct, err)
	}
}
