package daemon_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/store"
	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/pages"
	"faxbox/t30"
)

// The daemon's acceptance test plays a small telephone network: each of
// the pool's two lines ends at a far-end modem that, for each call,
// answers as the number dialled on it would (busy, ringing out, a fax
// machine, one whose line drops), so that any job can go out on either
// modem, as in an office.

// action is what a destination does with one call.
type action uint8

const (
	answer  action = iota // a fax machine answers and receives
	busy                  // the line is busy
	ringOut               // nobody answers
	dropAt2               // a fax machine answers; the line drops when page 2 starts
)

// dest is one destination number of the network.
type dest struct {
	plan     []action // what call n (from 0) does; the last one repeats
	calls    int
	received [][]*pages.Page // the pages of each answered call
}

// network routes each line's calls to the destination dialled.
type network struct {
	mu    sync.Mutex
	dests map[string]*dest // by the last seven digits dialled
}

// call counts a call to the number dialled and returns what it does; nil
// for a number the network does not have.
func (n *network) call(dialled string) (*dest, action) {
	n.mu.Lock()
	defer n.mu.Unlock()
	d := n.dests[dialled[max(len(dialled)-7, 0):]]
	if d == nil {
		return nil, ringOut
	}
	a := d.plan[min(d.calls, len(d.plan)-1)]
	d.calls++
	return d, a
}

func (n *network) received(d *dest) [][]*pages.Page {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([][]*pages.Page(nil), d.received...)
}

// farEnd is the modem at the far end of one line; it alone drives it, on
// its own goroutine (serve).
type farEnd struct {
	net   *network
	line  *sim.Line
	m     *modem.Modem
	route chan string   // the number dialled, before each call
	ready chan struct{} // the far end plays that number now
	over  chan struct{} // the dial has returned (buffered)
}

// routed is a pool modem that tells its far end which number it dials.
type routed struct {
	*modem.Modem
	far *farEnd
}

func (r routed) Dial(ctx context.Context, number string) error {
	select {
	case r.far.route <- number:
	case <-ctx.Done():
		return ctx.Err()
	}
	<-r.far.ready
	err := r.Modem.Dial(ctx, number)
	select {
	case r.far.over <- struct{}{}:
	default:
	}
	return err
}

func (f *farEnd) serve(ctx context.Context, t *testing.T) {
	for {
		var dialled string
		select {
		case <-ctx.Done():
			return
		case dialled = <-f.route:
		}
		select { // a stale end of dial
		case <-f.over:
		default:
		}
		d, a := f.net.call(dialled)
		if d == nil {
			t.Errorf("the pool dialled %q, a number of no recipient", dialled)
		}
		switch a {
		case busy:
			// Off hook, talking to nobody: the call finds the line busy.
			if err := f.m.Answer(ctx); err != nil && ctx.Err() == nil {
				t.Errorf("far end: going off hook: %v", err)
			}
			f.ready <- struct{}{}
			<-f.over
			if err := f.m.HangUp(ctx); err != nil && ctx.Err() == nil {
				t.Errorf("far end: hanging up: %v", err)
			}
		case ringOut:
			f.ready <- struct{}{}
			f.m.WaitRing(ctx)
			for ctx.Err() == nil { // until the rings stop
				rctx, cancel := context.WithTimeout(ctx, 7*time.Second/scale*2)
				_, err := f.m.WaitRing(rctx)
				cancel()
				if err != nil {
					break
				}
			}
		case answer, dropAt2:
			f.ready <- struct{}{}
			if _, err := f.m.WaitRing(ctx); err != nil {
				continue
			}
			var got []*pages.Page
			t30.Receive(ctx, f.m, t30.Options{Ident: "+32 2 555 " + dialled[len(dialled)-4:],
				OnPage: func(p t30.ReceivedPage) error { got = append(got, p.Page); return nil },
				OnEvent: func(e t30.Event) {
					// The receiver starts page 2 once it has answered
					// MCF for page 1: cut the line half a second (of
					// line time) later, when MCF has reached the sender
					// and page 2 is on its way.
					if ps, ok := e.(t30.PageStarted); ok && a == dropAt2 && ps.Page == 2 {
						f.line.CutAfter(500 * time.Millisecond)
					}
				}})
			f.net.mu.Lock()
			d.received = append(d.received, got)
			f.net.mu.Unlock()
		}
	}
}

// recipientPage is page n of who's copy: testPage with who's mark (its
// header line names the recipient).
func recipientPage(t *testing.T, who, n int) *pages.Page {
	p := testPage(t, n)
	for i := range who {
		for y := 34; y < 44; y++ {
			for x := 1200 + 30*i; x < 1215+30*i; x++ {
				p.Set(x, y, true)
			}
		}
	}
	return p
}

// TestAcceptance: one message to three recipients (To, Cc, Bcc)
// on a pool of two simulated modems. The To number is busy twice, then
// delivered; the Cc number never answers: three attempts, then failed with
// the reason of each; the Bcc number's line drops at page 2, and the retry
// sends pages 2 and 3 only, as they were. Each recipient receives its own
// copy and no other; each answered call is charged the tariff applied to
// its metered connected time, and nothing else is charged.
func TestAcceptance(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	const (
		toNum  = "+3225551001"
		ccNum  = "+3225551002"
		bccNum = "+3225551003"
	)
	net := &network{dests: map[string]*dest{
		"5551001": {plan: []action{busy, busy, answer}},
		"5551002": {plan: []action{ringOut}},
		"5551003": {plan: []action{dropAt2, answer}},
	}}
	copies := map[string][]*pages.Page{}
	var rs []store.Recipient
	for i, r := range []store.Recipient{{Field: store.To, Number: toNum}, {Field: store.Cc, Number: ccNum},
		{Field: store.Bcc, Number: bccNum}} {
		doc := []*pages.Page{recipientPage(t, i+1, 1), recipientPage(t, i+1, 2), recipientPage(t, i+1, 3)}
		copies[r.Number] = doc
		r.Pages = e.pageFiles(t, fmt.Sprintf("r%d-", i+1), doc)
		rs = append(rs, r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m, err := e.st.CreateMessage(ctx, store.NewMessage{Sender: e.user.ID, Subject: "Quarterly report",
		Recipients: rs, Pages: rs[0].Pages, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	var lines []daemon.Line
	for i := range 2 {
		a, r := newLine(t, sim.LineConfig{AnswerTimeout: 20 * time.Second})
		far := &farEnd{net: net, line: r.line, m: r.m, route: make(chan string),
			ready: make(chan struct{}), over: make(chan struct{}, 1)}
		go far.serve(ctx, t)
		lines = append(lines, daemon.Line{Name: fmt.Sprintf("sim%d", i), Modem: routed{a, far}})
	}
	start := time.Now()
	var ids []int64
	for _, j := range m.Jobs {
		ids = append(ids, j.ID)
	}
	jobs := e.run(t, daemon.Config{Lines: lines, Fax: t30.Options{Ident: "+32 2 555 0100"}}, ids...)
	t.Logf("all three jobs final after %v", time.Since(start).Round(time.Millisecond))
	to, cc, bcc := jobs[0], jobs[1], jobs[2]
	modems := map[string]bool{}
	for _, j := range jobs {
		for _, a := range j.History {
			modems[a.Modem] = true
		}
	}
	if len(modems) != 2 {
		t.Errorf("the calls used modems %v, want both", modems)
	}

	// To: busy twice, then delivered.
	if to.State != store.Delivered || reasons(to) != "busy,busy,ok" {
		t.Errorf("To: %v after %s", to.State, reasons(to))
	}
	// Cc: three attempts, no answer, failed; each attempt says why in
	// plain words, and the job says it gave up.
	if cc.State != store.Failed || reasons(cc) != "no-answer,no-answer,no-answer" {
		t.Errorf("Cc: %v after %s", cc.State, reasons(cc))
	}
	for _, a := range cc.History {
		if !strings.HasPrefix(a.ReasonText, "no one answered") || a.Duration != 0 {
			t.Errorf("Cc attempt %d: %q, connected %v", a.Number, a.ReasonText, a.Duration)
		}
	}
	if cc.ReasonCode != "no-answer" || !strings.Contains(cc.ReasonText, "no one answered") ||
		!strings.Contains(cc.ReasonText, "gave up after 3 attempts") {
		t.Errorf("Cc job reason %q: %q", cc.ReasonCode, cc.ReasonText)
	}
	// Bcc: dropped at page 2 after page 1 was confirmed; the retry sent
	// pages 2 and 3 only.
	if bcc.State != store.Delivered || len(bcc.History) != 2 || bcc.PagesConfirmed != 3 {
		t.Fatalf("Bcc: %v after %s, %d pages confirmed", bcc.State, reasons(bcc), bcc.PagesConfirmed)
	}
	first, second := bcc.History[0], bcc.History[1]
	if first.PagesConfirmed != 1 || first.ReasonCode != string(t30.ReasonLineDropped) || second.FirstPage != 2 || second.PagesConfirmed != 2 {
		t.Errorf("Bcc attempts: %+v\n%+v", first, second)
	}

	// What each number received: its own copy, whole, each page once.
	got := func(num string) [][]*pages.Page { return net.received(net.dests[num[len(num)-7:]]) }
	if calls := got(toNum); len(calls) != 1 {
		t.Errorf("To received %d calls", len(calls))
	} else {
		samePages(t, calls[0], copies[toNum])
	}
	if calls := got(ccNum); len(calls) != 0 {
		t.Errorf("Cc received %d calls", len(calls))
	}
	if calls := got(bccNum); len(calls) != 2 {
		t.Errorf("Bcc received %d calls", len(calls))
	} else {
		samePages(t, calls[0], copies[bccNum][:1])
		samePages(t, calls[1], copies[bccNum][1:])
	}
	if n := net.dests["5551002"].calls; n != 3 {
		t.Errorf("the Cc number was called %d times", n)
	}

	// Charges: one per answered call, each the tariff applied to its
	// metered connected time; the busy and unanswered calls are free.
	cs := e.charges(t)
	byCall := map[string]billing.Entry{}
	var total billing.Amount
	for _, c := range cs {
		byCall[c.Call] = c
		total += c.Amount
	}
	answered := 0
	for _, j := range jobs {
		for _, a := range j.History {
			c, ok := byCall[fmt.Sprintf("job%d/attempt%d", j.ID, a.Number)]
			switch {
			case a.Duration == 0 && ok:
				t.Errorf("job %d attempt %d (%s) not connected, charged %d", j.ID, a.Number, a.ReasonCode, c.Amount)
			case a.Duration > 0 && !ok:
				t.Errorf("job %d attempt %d connected %v, not charged", j.ID, a.Number, a.Duration)
			case ok:
				answered++
				checkCharge(t, c, a)
				t.Logf("job %d attempt %d: %v connected, charged %s", j.ID, a.Number, a.Duration, billing.EUR.Format(-c.Amount))
			}
		}
	}
	if answered != 3 || len(cs) != 3 {
		t.Errorf("%d charges for %d answered calls, want 3", len(cs), answered)
	}
	acct, err := e.led.Account(ctx, "")
	if err != nil || acct.OpenHolds != 0 || acct.Balance != 50*billing.Unit+total {
		t.Errorf("account %+v %v", acct, err)
	}

	// The history of the numbers.
	if d, _ := e.st.Destination(ctx, ccNum); d.Calls != 3 || d.Answered != 0 || d.LastReasonCode != "no-answer" {
		t.Errorf("Cc destination %+v", d)
	}
	if d, _ := e.st.Destination(ctx, toNum); d.Calls != 3 || d.Delivered != 1 || d.Worked.BitRate == 0 {
		t.Errorf("To destination %+v", d)
	}
}
