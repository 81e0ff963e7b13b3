package daemon_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/pages"
	"faxbox/t30"
)

// The crash test: the daemon is killed with SIGKILL
// at random points of its sends and restarted, at least crashKills times;
// then a last run finishes every job. The daemon is this test binary
// re-executed as TestCrashChild with crashDirEnv naming the shared data
// directory: it opens the store and the ledger there, runs a Pool of
// crashLines simulated modems whose far ends are Faxbox's own receiver,
// and exits 0 once every job is final. The receivers append each page
// they accept (before answering MCF) to crashReceivedLog, synced, so the
// record survives the kill.
const (
	crashDirEnv      = "FAXBOX_DAEMON_CRASH_DIR"
	crashReceivedLog = "received.log"
	crashKills       = 50               // kills to make before the last run
	crashKillPhase   = 60 * time.Second // ... unless this passes first
	crashFinalRun    = 60 * time.Second // the last run must finish within this
	crashScale       = 100              // simulated line time compression
	crashLines       = 2
	crashMaxAttempts = 12 // per recipient; kills use attempts up
	crashPageHeight  = 160
)

// crashPage returns page n of a recipient's fax: its tag and the page
// number in bars at the top (a per-recipient header), a pattern below.
func crashPage(tag int64, n int) (*pages.Page, error) {
	p, err := pages.NewPage(pages.WidthA4, crashPageHeight)
	if err != nil {
		return nil, err
	}
	p.XDPI, p.YDPI = 204, 196
	bar := func(y0, i int) {
		for y := y0; y < y0+12; y++ {
			for x := 40 + 32*i; x < 56+32*i; x++ {
				p.Set(x, y, true)
			}
		}
	}
	for i := range 32 {
		if tag>>i&1 == 1 {
			bar(8, i)
		}
	}
	for i := range n {
		bar(28, i)
	}
	for y := 50; y < crashPageHeight-10; y++ {
		for x := 60; x < pages.WidthA4-60; x++ {
			if (x/(7+n)+y/(3+int(tag%5)))%5 == 0 {
				p.Set(x, y, true)
			}
		}
	}
	return p, nil
}

// pageHash identifies a page by its pixels.
func pageHash(p *pages.Page) string {
	h := sha256.New()
	fmt.Fprintf(h, "%dx%d\n", p.Width, p.Height)
	full, rest := p.Width/8, p.Width%8
	for y := range p.Height {
		row := p.Row(y)
		h.Write(row[:full])
		if rest > 0 {
			h.Write([]byte{row[full] & (0xff << (8 - rest))})
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

type pageKey struct {
	job  int64
	page int
}

// crashParent is the test's side: it prepares the data directory and
// checks what the runs left.
type crashParent struct {
	t      *testing.T
	dir    string
	user   int64
	batch  int
	hashes map[string]pageKey // page hash -> job and page
	credit billing.Amount     // topped up
}

func crashOpen(ctx context.Context, dir string) (*store.Store, *billing.Ledger, error) {
	st, err := store.Open(ctx, store.Config{Path: filepath.Join(dir, "faxbox.db"), MaxAttempts: 3})
	if err != nil {
		return nil, nil, err
	}
	led, err := billing.Open(ctx, billing.Config{Path: filepath.Join(dir, "ledger.db")})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, led, nil
}

// setup creates the store and the ledger with the test tariff and credit.
func (c *crashParent) setup() {
	t := c.t
	ctx := context.Background()
	st, led, err := crashOpen(ctx, c.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	defer led.Close()
	tab, err := billing.NewTable(billing.EUR, []billing.Rate{rate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := led.SetTariff(ctx, tab, time.Now().Add(-time.Hour), "test", "test tariff"); err != nil {
		t.Fatal(err)
	}
	c.credit = 1000 * billing.Unit
	if _, err := led.TopUp(ctx, c.credit, "admin:test", "test credit"); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	c.user = u.ID
}

// addBatch stores 3 messages to 2 recipients each, of 2 or 3 pages, each
// recipient with its own pages (a tag unique to it in the header). The daemon must not
// be running.
func (c *crashParent) addBatch() {
	t := c.t
	ctx := context.Background()
	st, led, err := crashOpen(ctx, c.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	defer led.Close()
	c.batch++
	for m := range 3 {
		n := 2 + m%2
		var rs []store.Recipient
		var perRecipient []map[string]int // page hash -> page, per recipient
		for r, field := range []store.Field{store.To, store.Cc} {
			// A tag unique to the recipient stands for its own header.
			tag := int64(c.batch*10 + 2*m + r)
			var files []store.PageFile
			hashes := map[string]int{}
			for i := range n {
				p, err := crashPage(tag, i+1)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				tw, err := pages.NewTIFFWriter(&buf, 1)
				if err != nil {
					t.Fatal(err)
				}
				if err := tw.WritePage(p, pages.EncoderOptions{Coding: pages.MH, Width: p.Width, AlignEOL: true, RTC: true}); err != nil {
					t.Fatal(err)
				}
				if err := tw.Close(); err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("tag%d-page%d.tif", tag, i+1)
				_, sum, err := store.WriteFile(filepath.Join(c.dir, name), &buf, 0o644)
				if err != nil {
					t.Fatal(err)
				}
				files = append(files, store.PageFile{Index: i + 1, Path: name, SHA256: sum})
				hashes[pageHash(p)] = i + 1
			}
			rs = append(rs, store.Recipient{Field: field, Number: fmt.Sprintf("+32255512%02d", 2*m+r), Pages: files})
			perRecipient = append(perRecipient, hashes)
		}
		msg, err := st.CreateMessage(ctx, store.NewMessage{Sender: c.user, Subject: fmt.Sprintf("batch %d message %d", c.batch, m+1),
			Recipients: rs, Pages: rs[0].Pages, MaxAttempts: crashMaxAttempts})
		if err != nil {
			t.Fatal(err)
		}
		for r, j := range msg.Jobs {
			for h, page := range perRecipient[r] {
				c.hashes[h] = pageKey{j.ID, page}
			}
		}
	}
}

// child starts the daemon.
func (c *crashParent) child(out *bytes.Buffer) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+c.dir)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	return cmd
}

// TestCrash kills the daemon with SIGKILL at random points of its sends at
// least crashKills times (bounded by crashKillPhase), lets a last run
// finish, and checks that every job ended delivered or failed with a
// reason, that the ledger is consistent, and that no page reached its
// recipient twice unless the call that sent it was cut before its
// confirmation could be recorded.
func TestCrash(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("in the crash test's child")
	}
	start := time.Now()
	c := &crashParent{t: t, dir: t.TempDir(), hashes: map[string]pageKey{}}
	c.setup()
	c.addBatch()

	kills, selfExits := 0, 0
	var out bytes.Buffer
	for kills < crashKills && time.Since(start) < crashKillPhase {
		out.Reset()
		cmd := c.child(&out)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		wait := time.Duration(50+rand.IntN(751)) * time.Millisecond
		select {
		case <-time.After(wait):
			if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
				t.Fatal(err)
			}
			err := <-done
			var ee *exec.ExitError
			if errors.As(err, &ee) && ee.ExitCode() == -1 { // killed by the signal
				kills++
				continue
			}
			if err != nil {
				t.Fatalf("daemon run %d: %v\n%s", kills+selfExits+1, err, out.Bytes())
			}
			// It finished just before the kill.
		case err := <-done:
			if err != nil {
				t.Fatalf("daemon run %d exited by itself: %v\n%s", kills+selfExits+1, err, out.Bytes())
			}
		}
		// Every job is final: give the daemon more to send.
		selfExits++
		c.addBatch()
	}
	killPhase := time.Since(start)

	out.Reset()
	cmd := c.child(&out)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("last daemon run: %v\n%s", err, out.Bytes())
		}
	case <-time.After(crashFinalRun):
		cmd.Process.Kill()
		<-done
		t.Fatalf("last daemon run not done after %v\n%s", crashFinalRun, out.Bytes())
	}
	t.Logf("%d kills, %d runs that finished their work, %d batches, kill phase %v, total %v",
		kills, selfExits, c.batch, killPhase.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if kills < crashKills {
		t.Errorf("only %d kills in %v (want %d)", kills, crashKillPhase, crashKills)
	}
	c.check()
}

// check checks the jobs, the ledger and the received pages.
func (c *crashParent) check() {
	t := c.t
	ctx := context.Background()
	st, led, err := crashOpen(ctx, c.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	defer led.Close()

	// What the far ends received.
	received := map[pageKey]int{}
	data, err := os.ReadFile(filepath.Join(c.dir, crashReceivedLog))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	lines := 0
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 5 {
			t.Errorf("received.log: bad line %q", sc.Text())
			continue
		}
		k, ok := c.hashes[fs[4]]
		if !ok {
			t.Errorf("received.log: a page that was never sent (%q)", sc.Text())
			continue
		}
		if n, _ := strconv.Atoi(fs[3]); n < 1 {
			t.Errorf("received.log: bad page number in %q", sc.Text())
		}
		received[k]++
		lines++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	// The jobs.
	msgs, err := st.ListMessages(ctx, store.ListOptions{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	var delivered, failed, interruptedAttempts, dupPages, attempts, chargedCalls int
	calls := map[string]bool{} // billing call ids of the store's attempts
	for _, ml := range msgs {
		m, err := st.GetMessage(ctx, ml.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range m.Jobs {
			cut, otherFailures := 0, 0
			for _, a := range j.History {
				attempts++
				calls[fmt.Sprintf("job%d/attempt%d", j.ID, a.Number)] = true
				switch {
				case a.Ended.IsZero():
					t.Errorf("job %d: attempt %d never ended", j.ID, a.Number)
				case a.ReasonCode == store.ReasonInterrupted:
					cut++
				case a.ReasonCode != string(t30.ReasonOK):
					otherFailures++
				}
			}
			interruptedAttempts += cut
			hist := reasons(j)
			switch j.State {
			case store.Delivered:
				delivered++
				if j.PagesConfirmed != j.PagesTotal {
					t.Errorf("job %d delivered with %d of %d pages confirmed", j.ID, j.PagesConfirmed, j.PagesTotal)
				}
			case store.Failed:
				failed++
				if j.ReasonCode == "" || j.ReasonText == "" {
					t.Errorf("job %d failed without a reason (%q, %q); attempts %s", j.ID, j.ReasonCode, j.ReasonText, hist)
				}
				if j.PagesTotal > 0 && j.PagesConfirmed == j.PagesTotal {
					t.Errorf("job %d failed (%s: %s) although the remote confirmed all its %d pages; attempts %s",
						j.ID, j.ReasonCode, j.ReasonText, j.PagesTotal, hist)
				}
			default:
				t.Errorf("job %d ended %v (%s: %s); attempts %s", j.ID, j.State, j.ReasonCode, j.ReasonText, hist)
			}
			ps, err := st.Pages(ctx, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			dups := 0
			for _, p := range ps {
				n := received[pageKey{j.ID, p.Index}]
				if p.Confirmed && n == 0 {
					t.Errorf("job %d: page %d confirmed but never received", j.ID, p.Index)
				}
				dups += max(n-1, 0)
			}
			dupPages += dups
			// A page is received again only if the call that sent it was
			// cut (killed, or failed) before its confirmation was recorded:
			// at most one page per such call.
			if dups > cut+otherFailures {
				t.Errorf("job %d: %d pages received twice, but only %d attempts were interrupted and %d failed; attempts %s",
					j.ID, dups, cut, otherFailures, hist)
			}
		}
	}
	if delivered+failed == 0 {
		t.Fatal("no job")
	}

	// The ledger.
	if err := led.Check(ctx); err != nil {
		t.Errorf("ledger: %v", err)
	}
	acct, err := led.Account(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	es, err := led.Entries(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var sum, charged billing.Amount
	for _, e := range es {
		switch e.Kind {
		case billing.KindHold, billing.KindRelease:
			continue
		case billing.KindCharge:
			chargedCalls++
			charged -= e.Amount
			if !calls[e.Call] {
				t.Errorf("ledger: charge for call %q that the store has no attempt for", e.Call)
			}
		}
		sum += e.Amount
	}
	if acct.Balance != sum || acct.Balance != c.credit-charged {
		t.Errorf("ledger: balance %d, entries sum to %d, credit %d less charges %d", acct.Balance, sum, c.credit, charged)
	}
	if acct.Available < 0 || acct.Held != 0 || acct.OpenHolds != 0 {
		t.Errorf("ledger: account %+v after every job ended", acct)
	}
	if open, err := led.OpenCalls(ctx); err != nil || len(open) != 0 {
		t.Errorf("ledger: open calls %+v %v", open, err)
	}
	t.Logf("%d jobs: %d delivered, %d failed; %d attempts, %d interrupted by a kill; %d pages received (%d again after a cut call); %d calls charged %s",
		delivered+failed, delivered, failed, attempts, interruptedAttempts, lines, dupPages, chargedCalls, billing.EUR.Format(charged))
}

// TestCrashChild is the daemon that TestCrash starts and kills; it does
// nothing in a plain test run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestCrash")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, led, err := crashOpen(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	defer led.Close()
	rec, err := os.OpenFile(filepath.Join(dir, crashReceivedLog), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	var recMu sync.Mutex
	record := func(line string, call int, p t30.ReceivedPage) error {
		recMu.Lock()
		defer recMu.Unlock()
		if _, err := fmt.Fprintf(rec, "%d %s %d %d %s\n", os.Getpid(), line, call, p.Number, pageHash(p.Page)); err != nil {
			return err
		}
		return rec.Sync()
	}

	var lines []daemon.Line
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // before the Wait: the receivers stop with ctx
	for i := range crashLines {
		line := sim.NewLine(sim.LineConfig{Scale: crashScale}, sim.Config{Number: "3225550100"}, sim.Config{})
		a := modem.New(line.A().Conn(), modem.Config{})
		b := modem.New(line.B().Conn(), modem.Config{})
		defer func() { cancel(); a.Close(); b.Close(); line.Close() }()
		if err := b.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("sim%d", i)
		lines = append(lines, daemon.Line{Name: name, Modem: a})
		wg.Go(func() {
			for call := 1; ctx.Err() == nil; {
				if _, err := b.WaitRing(ctx); err != nil {
					continue
				}
				t30.Receive(ctx, b, t30.Options{Ident: "+32 2 555 1212",
					OnPage: func(p t30.ReceivedPage) error { return record(name, call, p) }})
				call++
			}
		})
	}
	p, err := daemon.New(daemon.Config{Store: st, Ledger: led, Lines: lines,
		DialPlan: numbers.DialPlan{Country: "BE"},
		Fax:      t30.Options{Ident: "+32 2 555 0100"},
		Backoff:  fastBackoff, Poll: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err != nil {
		t.Fatal(err)
	}
	runDone := make(chan error, 1)
	pctx, stop := context.WithCancel(ctx)
	go func() { runDone <- p.Run(pctx) }()
	for {
		select {
		case err := <-runDone:
			stop()
			t.Fatalf("pool stopped: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		ms, err := st.ListMessages(ctx, store.ListOptions{Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		busy := 0
		for _, m := range ms {
			for s, n := range m.Counts {
				if !s.Final() {
					busy += n
				}
			}
		}
		if busy == 0 {
			break
		}
	}
	stop()
	if err := <-runDone; err != nil {
		t.Fatal(err)
	}
	cancel()
}
