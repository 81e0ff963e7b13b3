package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/events"
)

type frame struct {
	Seq  int64           `json:"seq"`
	At   time.Time       `json:"at"`
	Kind events.Kind     `json:"kind"`
	Job  int64           `json:"job"`
	Data json.RawMessage `json:"data"`
}

// dialEvents opens the event stream as tok's user; header adds to the
// request.
func (e *env) dialEvents(t testing.TB, tok string, since int64, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	if header == nil {
		header = http.Header{}
	}
	if tok != "" {
		header.Set("Authorization", "Bearer "+tok)
	}
	url := "ws" + strings.TrimPrefix(e.srv.URL, "http") + fmt.Sprintf("/api/events?since=%d", since)
	c, resp, err := websocket.DefaultDialer.Dial(url, header)
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, resp, err
}

// readFrame reads the next frame, failing the test after d.
func readFrame(t testing.TB, c *websocket.Conn, d time.Duration) frame {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	var f frame
	if err := c.ReadJSON(&f); err != nil {
		t.Fatalf("reading a frame: %v", err)
	}
	return f
}

// readLogFrames reads frames until n frames of the log (seq > 0) came,
// and returns those.
func readLogFrames(t *testing.T, c *websocket.Conn, n int) []frame {
	t.Helper()
	var out []frame
	for len(out) < n {
		if f := readFrame(t, c, 5*time.Second); f.Seq > 0 {
			out = append(out, f)
		}
	}
	return out
}

// submit posts a message to number as tok's user and returns it.
func (e *env) submit(t *testing.T, tok, number string) message {
	t.Helper()
	ct, body := form(t, map[string]string{"to": number, "body": "Hi"}, nil)
	var m message
	if code := e.doAs(t, tok, "POST", "/api/messages", ct, body, &m); code != http.StatusCreated {
		t.Fatalf("submit: status %d: %+v", code, m)
	}
	return m
}

// visibleSeqs returns the seqs after since of the events that concern
// the messages in mine, as the store logged them.
func (e *env) visibleSeqs(t *testing.T, since int64, mine map[int64]bool, jobs map[int64]bool) []int64 {
	t.Helper()
	evs, err := e.st.EventsSince(context.Background(), since, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, ev := range evs {
		p, err := ev.Decode()
		if err != nil {
			t.Fatal(err)
		}
		m, _ := p.(events.MessageEvent)
		if mine[m.Message] || jobs[ev.Job] {
			out = append(out, ev.Seq)
		}
	}
	return out
}

func seqs(fs []frame) []int64 {
	var out []int64
	for _, f := range fs {
		out = append(out, f.Seq)
	}
	return out
}

// TestEventsResume: a client that reconnects with the last seq it saw
// gets exactly the events it missed, in order, then live ones; another
// user's events never reach it.
func TestEventsResume(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	mine, jobs := map[int64]bool{}, map[int64]bool{}
	note := func(m message) {
		mine[m.ID] = true
		for _, j := range m.Jobs {
			jobs[j.ID] = true
		}
	}
	note(e.submit(t, token, "02 555 12 12"))
	e.submit(t, bobToken, "02 555 12 13")
	m2 := e.submit(t, token, "02 555 12 14")
	note(m2)

	c, _, err := e.dialEvents(t, token, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := e.visibleSeqs(t, 0, mine, jobs)
	got := readLogFrames(t, c, len(want))
	if fmt.Sprint(seqs(got)) != fmt.Sprint(want) {
		t.Fatalf("first connection: seqs %v, want %v", seqs(got), want)
	}
	if got[0].Kind != "message" || got[0].At.IsZero() {
		t.Errorf("first frame %+v", got[0])
	}
	last := got[len(got)-1].Seq
	c.Close()

	// While it is away: its job is cancelled, bob submits, it submits.
	if code := e.do(t, "POST", fmt.Sprintf("/api/jobs/%d/cancel", m2.Jobs[0].ID), "", nil, nil); code != http.StatusOK {
		t.Fatalf("cancel: %d", code)
	}
	bobs := e.submit(t, bobToken, "02 555 12 15")
	note(e.submit(t, token, "02 555 12 16"))

	c, _, err = e.dialEvents(t, token, last, nil)
	if err != nil {
		t.Fatal(err)
	}
	want = e.visibleSeqs(t, last, mine, jobs)
	if len(want) < 2 {
		t.Fatalf("only %d events while away", len(want))
	}
	got = readLogFrames(t, c, len(want))
	if fmt.Sprint(seqs(got)) != fmt.Sprint(want) {
		t.Fatalf("resumed: seqs %v, want %v", seqs(got), want)
	}
	var cancelled bool
	for _, f := range got {
		p, err := events.Decode(f.Kind, f.Data)
		if err != nil {
			t.Fatal(err)
		}
		d, ok := p.(events.JobEvent)
		cancelled = cancelled || (ok && d.Job == m2.Jobs[0].ID && d.State == "cancelled" && f.Job == d.Job)
	}
	if !cancelled {
		t.Errorf("the cancellation is not among %+v", got)
	}

	// Live: bob's next change does not come, alice's does.
	e.doAs(t, bobToken, "POST", fmt.Sprintf("/api/jobs/%d/cancel", bobs.Jobs[0].ID), "", nil, nil)
	m4 := e.submit(t, token, "02 555 12 17")
	note(m4)
	f := readLogFrames(t, c, 1)[0]
	p, err := events.Decode(f.Kind, f.Data)
	if d, ok := p.(events.MessageEvent); err != nil || !ok || d.Message != m4.ID {
		t.Errorf("live frame %+v, want alice's message %d (bob's cancellation must not come)", f, m4.ID)
	}

	// The administrator sees bob's events too.
	ca, _, err := e.dialEvents(t, adminToken, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := e.st.EventsSince(context.Background(), 0, 0)
	if got := readLogFrames(t, ca, len(all)); got[len(got)-1].Seq != all[len(all)-1].Seq {
		t.Errorf("administrator: last seq %d, want %d", got[len(got)-1].Seq, all[len(all)-1].Seq)
	}
}

// TestEventsRefused: a foreign Origin is refused before the upgrade, a
// request without credentials is 401, a full hub is 503.
func TestEventsRefused(t *testing.T) {
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) { c.MaxEventClients = 1 })
	_, resp, err := e.dialEvents(t, token, 0, http.Header{"Origin": {"http://evil.example"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign origin: %v, %+v; want 403", err, resp)
	}
	_, resp, err = e.dialEvents(t, "", 0, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no credentials: %v, %+v; want 401", err, resp)
	}
	host := strings.TrimPrefix(e.srv.URL, "http://")
	c, _, err := e.dialEvents(t, token, 0, http.Header{"Origin": {"http://" + host}})
	if err != nil {
		t.Fatalf("same origin refused: %v", err)
	}
	_, resp, err = e.dialEvents(t, bobToken, 0, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("over the cap: %v, %+v; want 503", err, resp)
	}
	c.Close()
	waitFor(t, func() bool { return e.api.EventClients() == 0 })
	if _, _, err := e.dialEvents(t, bobToken, 0, nil); err != nil {
		t.Errorf("after the first left: %v", err)
	}
}

// TestEventsPerUserCap: one user holding the most connections one user
// may have is refused more with 429 and a reason, while colleagues still
// connect; a connection closed frees its place.
func TestEventsPerUserCap(t *testing.T) {
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) { c.MaxEventClients = 10; c.MaxEventClientsPerUser = 3 })
	var alice []*websocket.Conn
	for i := range 3 {
		c, _, err := e.dialEvents(t, token, 0, nil)
		if err != nil {
			t.Fatalf("alice's connection %d: %v", i+1, err)
		}
		alice = append(alice, c)
	}
	_, resp, err := e.dialEvents(t, token, 0, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("alice's fourth connection: %v, %+v; want 429", err, resp)
	}
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), "alice already has 3 live update connections open") {
		t.Errorf("the refusal says %s", b)
	}
	for _, tok := range []string{bobToken, adminToken} {
		if _, _, err := e.dialEvents(t, tok, 0, nil); err != nil {
			t.Errorf("a colleague while alice is at her cap: %v", err)
		}
	}
	alice[0].Close()
	waitFor(t, func() bool { return e.api.EventClients() == 4 })
	if _, _, err := e.dialEvents(t, token, 0, nil); err != nil {
		t.Errorf("alice after closing one: %v", err)
	}
}

// TestEventsOriginScheme: the Origin must have the request's scheme and
// port as well as its host.
func TestEventsOriginScheme(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	host := strings.TrimPrefix(e.srv.URL, "http://")
	hostname, _, _ := net.SplitHostPort(host)
	for _, tc := range []struct {
		origin string
		want   int
	}{
		{"http://" + host, http.StatusSwitchingProtocols},
		{"HTTP://" + strings.ToUpper(host), http.StatusSwitchingProtocols},
		{"https://" + host, http.StatusForbidden},
		{"ws://" + host, http.StatusForbidden},
		{"http://" + hostname, http.StatusForbidden}, // port 80
		{"http://" + hostname + ":1", http.StatusForbidden},
	} {
		c, resp, err := e.dialEvents(t, token, 0, http.Header{"Origin": {tc.origin}})
		if resp == nil || resp.StatusCode != tc.want {
			t.Errorf("Origin %s: %v %+v, want %d", tc.origin, err, resp, tc.want)
		}
		if c != nil {
			c.Close()
		}
	}
}

// fakeModems is a status source the test changes; like the pool, it
// publishes each change on the bus.
type fakeModems struct {
	bus   *events.Bus
	mu    sync.Mutex
	st    []daemon.ModemStatus
	reads int // calls of status
}

func (f *fakeModems) status() []daemon.ModemStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return append([]daemon.ModemStatus(nil), f.st...)
}

func (f *fakeModems) set(i int, s daemon.ModemStatus) {
	f.mu.Lock()
	f.st[i] = s
	f.mu.Unlock()
	f.bus.Publish(s.Event())
}

func (f *fakeModems) readCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

// modemsFrame is a "modem" frame's data as the web UI reads it
// (ui/web/admin.js).
type modemsFrame struct {
	Modems []struct {
		State string `json:"state"`
		Job   int64  `json:"job"`
		Error string `json:"error"`
	} `json:"modems"`
}

// readModems reads the next frame and its data as a "modem" frame's.
func readModems(t *testing.T, c *websocket.Conn) (frame, modemsFrame) {
	t.Helper()
	f := readFrame(t, c, 5*time.Second)
	var d modemsFrame
	if err := json.Unmarshal(f.Data, &d); err != nil {
		t.Fatalf("frame %+v: %v", f, err)
	}
	return f, d
}

// TestEventsModemsAndAccount: "modem" frames on connect and on a change
// (and GET /api/modems agrees); an "account" frame when the balance
// changes.
func TestEventsModemsAndAccount(t *testing.T) {
	since := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	fm := &fakeModems{st: []daemon.ModemStatus{{Name: "ttyUSB0", State: daemon.ModemIdle, Since: since, Calls: 3},
		{Name: "ttyUSB1", State: daemon.ModemOutOfOrder, Err: "no answer to AT", Since: since}}}
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) { c.Modems = fm.status })
	fm.bus = e.bus
	var got struct {
		Modems []map[string]any `json:"modems"`
	}
	if code := e.do(t, "GET", "/api/modems", "", nil, &got); code != http.StatusOK || len(got.Modems) != 2 {
		t.Fatalf("GET /api/modems: %d %+v", code, got)
	}
	if m := got.Modems[1]; m["name"] != "ttyUSB1" || m["state"] != "out of service" || m["error"] != "no answer to AT" ||
		m["since"] != "2026-03-02T09:00:00Z" {
		t.Errorf("modem %+v", m)
	}
	c, _, err := e.dialEvents(t, token, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := readFrame(t, c, 5*time.Second)
	if f.Kind != "modem" || f.Seq != 0 || !strings.Contains(string(f.Data), `"idle"`) {
		t.Fatalf("first frame %+v %s", f, f.Data)
	}
	fm.set(0, daemon.ModemStatus{Name: "ttyUSB0", State: daemon.ModemCalling, Job: 7, Since: since, Calls: 4})
	f, d := readModems(t, c)
	if f.Kind != "modem" || len(d.Modems) != 2 || d.Modems[0].State != "calling" || d.Modems[0].Job != 7 {
		t.Fatalf("after the change: %+v %s", f, f.Data)
	}

	if _, err := e.led.TopUp(context.Background(), 5*billing.Unit, "admin:test", "more"); err != nil {
		t.Fatal(err)
	}
	for {
		f = readFrame(t, c, 5*time.Second)
		if f.Kind == "account" {
			break
		}
	}
	var a struct {
		Balance string `json:"balance"`
		User    string `json:"user"`
	}
	json.Unmarshal(f.Data, &a)
	if a.Balance != "55.00" || a.User != "alice" || f.Seq != 0 {
		t.Errorf("account frame %+v %s", f, f.Data)
	}
}

// TestEventsModemChangeNoPolling: the status source is read when a
// client connects and when the bus reports a change, never on a timer; a
// change reaches the client when the pool publishes it.
func TestEventsModemChangeNoPolling(t *testing.T) {
	fm := &fakeModems{st: []daemon.ModemStatus{{Name: "ttyUSB0", State: daemon.ModemIdle}}}
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) { c.Modems = fm.status })
	fm.bus = e.bus
	c, _, err := e.dialEvents(t, token, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := readFrame(t, c, 5*time.Second); f.Kind != "modem" {
		t.Fatalf("first frame %+v", f)
	}
	connected := fm.readCount()
	time.Sleep(500 * time.Millisecond) // twice the interval the stream used to poll at
	if n := fm.readCount(); n != connected {
		t.Fatalf("the status source was read %d times with nothing published", n-connected)
	}
	fm.set(0, daemon.ModemStatus{Name: "ttyUSB0", State: daemon.ModemOutOfOrder, Err: "no device /dev/ttyUSB0"})
	f, d := readModems(t, c)
	if f.Kind != "modem" || len(d.Modems) != 1 || d.Modems[0].State != "out of service" || d.Modems[0].Error != "no device /dev/ttyUSB0" {
		t.Fatalf("after the change: %+v %s", f, f.Data)
	}
	if n := fm.readCount(); n != connected+1 {
		t.Errorf("the status source was read %d times for one change", n-connected)
	}
}

// TestEventsSlowClientDropped: a client that stops reading is dropped
// once its buffer is full; the others keep receiving.
func TestEventsSlowClientDropped(t *testing.T) {
	big := strings.Repeat("x", 64<<10)
	var mu sync.Mutex
	n := 0
	modems := func() []daemon.ModemStatus {
		mu.Lock()
		defer mu.Unlock()
		n++ // a new status at every read: a frame of 64 KiB
		return []daemon.ModemStatus{{Name: "m", State: daemon.ModemIdle, Calls: n, Err: big}}
	}
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) { c.Modems = modems })
	// A line changes every millisecond.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		for ctx.Err() == nil {
			e.bus.Publish(events.LineEvent{Line: "m", State: "idle"})
			time.Sleep(time.Millisecond)
		}
	}()
	stuck, _, err := e.dialEvents(t, bobToken, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = stuck // never read
	reader, _, err := e.dialEvents(t, token, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	received := 0
	deadline := time.Now().Add(20 * time.Second)
	for e.api.EventClients() > 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the stuck client was not dropped; %d clients", e.api.EventClients())
		}
		readFrame(t, reader, 5*time.Second)
		received++
	}
	// The reader is still served after the drop.
	for range 20 {
		readFrame(t, reader, 5*time.Second)
		received++
	}
	if e.api.EventClients() != 1 {
		t.Errorf("%d clients, want the reader only", e.api.EventClients())
	}
	t.Logf("the reader received %d frames of 64 KiB while the stuck client was dropped", received)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
	}
}

// TestEventsConcurrentNoLoss: clients that share the log's reads while
// events are committed in a burst each receive every event exactly once,
// in order.
func TestEventsConcurrentNoLoss(t *testing.T) {
	const clients, events = 20, 300
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) { c.MaxEventClientsPerUser = clients })
	ctx := context.Background()
	first, err := e.st.AppendEvent(ctx, "test", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]*websocket.Conn, clients)
	for i := range conns {
		if conns[i], _, err = e.dialEvents(t, adminToken, first.Seq, nil); err != nil {
			t.Fatal(err)
		}
	}
	var want []int64
	go func() {
		for range events {
			if _, err := e.st.AppendEvent(ctx, "test", 0, nil); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	results := make([][]int64, clients)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			for len(results[i]) < events {
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				var f frame
				if err := c.ReadJSON(&f); err != nil {
					t.Errorf("client %d after %d events: %v", i, len(results[i]), err)
					return
				}
				if f.Seq > 0 {
					results[i] = append(results[i], f.Seq)
				}
			}
		})
	}
	wg.Wait()
	evs, err := e.st.EventsSince(ctx, first.Seq, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		want = append(want, ev.Seq)
	}
	for i, got := range results {
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("client %d: %d events %v..., want %d", i, len(got), got[:min(5, len(got))], len(want))
		}
	}
}

// TestEventsPingAndClose: the server pings at PingEvery, and Close ends
// the streams with a "going away" close frame.
func TestEventsPingAndClose(t *testing.T) {
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) { c.PingEvery = 20 * time.Millisecond })
	c, _, err := e.dialEvents(t, token, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	pings := make(chan struct{}, 10)
	c.SetPingHandler(func(string) error {
		select {
		case pings <- struct{}{}:
		default:
		}
		return nil
	})
	readErr := make(chan error, 1)
	go func() {
		for {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, _, err := c.NextReader(); err != nil {
				readErr <- err
				return
			}
		}
	}()
	for range 3 {
		select {
		case <-pings:
		case err := <-readErr:
			t.Fatalf("before three pings: %v", err)
		}
	}
	e.api.Close()
	err = <-readErr
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("after Close: %v, want a going-away close frame", err)
	}
	waitFor(t, func() bool { return e.api.EventClients() == 0 })
}
