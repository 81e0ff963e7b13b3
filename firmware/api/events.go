package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"faxbox/firmware/events"
	"faxbox/firmware/store"
)

// The event stream GET /api/events?since=SEQ.
//
// Each connection has three goroutines, as in gorilla's chat example:
// the handler's own (the puller: it reads the store's event log from the
// client's sequence number whenever the store reports a commit, filters it
// for the principal and queues frames), a read pump (pongs and the close
// frame; the client sends nothing else) and a write pump (the only writer
// of the connection: queued frames and pings). Pulling from the log, not
// from a broadcast, is what makes resuming exact: a client that comes back
// with the last seq it saw misses nothing and gets nothing twice.
//
// The hub (one per Server) broadcasts what is not in the log, as the
// event bus (Config.Bus) reports it while clients are connected: a
// "modem" frame, the status source's answer, when a line's state changes
// (events.LineEvent), and an "account changed" signal when the ledger's
// totals change (events.AccountEvent), on which each client sends its
// principal's "account" frame. Nothing is polled. It never waits for a
// client: a client whose send buffer is full is dropped (it reconnects and
// resumes), the others are not held up.
//
// Connections are bounded: Config.MaxEventClients in all (503 beyond) and
// Config.MaxEventClientsPerUser for one user (429 beyond), so that one
// user cannot take every place from colleagues. A browser must send the
// Origin it is on, the same scheme, host and port as the request.

const (
	eventsWriteWait  = 10 * time.Second // the most a write may take
	eventsPongWait   = 75 * time.Second // a client silent this long is gone
	eventsSendBuffer = 64               // frames queued per client before it counts as slow
	eventsBatch      = 500              // events read from the log at once
)

// eventFrame is one JSON text frame of the stream.
type eventFrame struct {
	Seq  int64           `json:"seq"`
	At   time.Time       `json:"at"`
	Kind string          `json:"kind"`
	Job  int64           `json:"job"`
	Data json.RawMessage `json:"data"`
}

// Frame kinds that are not in the store's log.
const (
	kindModem   = "modem"
	kindAccount = "account"
)

// eventHub tracks the connected clients and broadcasts modem and account
// changes to them.
type eventHub struct {
	s   *Server
	ctx context.Context // cancelled by Server.Close
	end context.CancelFunc

	mu      sync.Mutex
	clients map[*eventClient]bool
	perUser map[int64]int      // connections by user id
	stop    context.CancelFunc // ends the watcher, which runs while clients are connected
	modems  json.RawMessage    // the last "modem" frame's data

	owners ownerCache
	log    logCache
	bufs   sync.Pool // write buffers, shared by idle connections
}

// newEventHub also sets the defaults of the event stream's settings.
func newEventHub(s *Server) *eventHub {
	if s.cfg.PingEvery <= 0 {
		s.cfg.PingEvery = 30 * time.Second
	}
	if s.cfg.MaxEventClients <= 0 {
		s.cfg.MaxEventClients = 256
	}
	if s.cfg.MaxEventClientsPerUser <= 0 {
		s.cfg.MaxEventClientsPerUser = DefaultMaxEventClientsPerUser
	}
	ctx, end := context.WithCancel(context.Background())
	return &eventHub{s: s, ctx: ctx, end: end, clients: map[*eventClient]bool{}, perUser: map[int64]int{},
		owners: ownerCache{max: 4096}}
}

// eventClient is one connection.
type eventClient struct {
	p      Principal
	send   chan []byte   // frames for the write pump
	acct   chan struct{} // the account totals changed (coalesced)
	ctx    context.Context
	cancel context.CancelFunc
}

// drop ends the client's connection; its goroutines see ctx end.
func (c *eventClient) drop() { c.cancel() }

// Close ends every event stream connection (with a "going away" close
// frame) and stops the hub. http.Server.Shutdown does not close hijacked
// connections: register it with http.Server.RegisterOnShutdown.
func (s *Server) Close() {
	if s.events != nil {
		s.events.end()
	}
}

// EventClients returns the number of connected event stream clients.
func (s *Server) EventClients() int {
	if s.events == nil {
		return 0
	}
	s.events.mu.Lock()
	defer s.events.mu.Unlock()
	return len(s.events.clients)
}

// DefaultMaxEventClientsPerUser is the default of
// Config.MaxEventClientsPerUser: a user's browser tabs and devices.
const DefaultMaxEventClientsPerUser = 16

// errTooMany is answered 503 when Config.MaxEventClients are connected.
var errTooMany = errors.New("too many event stream connections")

// userCapError is answered 429 when the user has
// Config.MaxEventClientsPerUser connections.
type userCapError struct {
	user string
	max  int
}

func (e *userCapError) Error() string {
	return fmt.Sprintf("%s already has %d live update connections open, the most one user may have: close other tabs or windows of Faxbox",
		e.user, e.max)
}

// add registers c, refusing it when the hub is full; the first client
// starts the watcher. It returns the current modem frame data, if any.
func (h *eventHub) add(c *eventClient) (json.RawMessage, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.clients) >= h.s.cfg.MaxEventClients {
		return nil, errTooMany
	}
	if h.perUser[c.p.User.ID] >= h.s.cfg.MaxEventClientsPerUser {
		return nil, &userCapError{user: c.p.User.Name, max: h.s.cfg.MaxEventClientsPerUser}
	}
	if h.ctx.Err() != nil {
		return nil, errors.New("the server is shutting down")
	}
	h.clients[c] = true
	h.perUser[c.p.User.ID]++
	if h.stop == nil {
		// Subscribed before the snapshot: no change after it is missed.
		sub := h.s.cfg.Bus.Subscribe(0, events.KindLine, events.KindSIPRegistration, events.KindAccount)
		ctx, stop := context.WithCancel(h.ctx)
		h.stop, h.modems = stop, h.s.modemsData()
		go h.watch(ctx, sub)
	}
	return h.modems, nil
}

func (h *eventHub) remove(c *eventClient) {
	h.mu.Lock()
	if h.perUser[c.p.User.ID]--; h.perUser[c.p.User.ID] <= 0 {
		delete(h.perUser, c.p.User.ID)
	}
	delete(h.clients, c)
	if len(h.clients) == 0 && h.stop != nil {
		h.stop()
		h.stop = nil
	}
	h.mu.Unlock()
	c.drop()
}

// watch broadcasts the changes that sub reports until ctx ends: the
// last client left, or the server closes (then it drops every client).
func (h *eventHub) watch(ctx context.Context, sub *events.Subscription) {
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			if h.ctx.Err() != nil {
				h.mu.Lock()
				for c := range h.clients {
					c.drop()
				}
				h.mu.Unlock()
			}
			return
		case <-sub.Ready():
		}
		ps, resync := sub.Take()
		line, account := resync, resync // behind: read both again
		for _, p := range ps {
			switch p.(type) {
			case events.LineEvent, events.SIPRegistration: // both in the "modem" frame
				line = true
			case events.AccountEvent:
				account = true
			}
		}
		if line {
			h.modemsChanged()
		}
		if account {
			h.signalAccount()
		}
	}
}

// modemsChanged broadcasts the status source's answer if it is not the
// last one sent.
func (h *eventHub) modemsChanged() {
	h.mu.Lock()
	m := h.s.modemsData()
	if m == nil || bytes.Equal(m, h.modems) {
		h.mu.Unlock()
		return
	}
	h.modems = m
	h.mu.Unlock()
	h.broadcast(frameBytes(eventFrame{Kind: kindModem, At: h.s.cfg.Now().UTC(), Data: m}))
}

// broadcast queues frame for every client; a client whose buffer is full
// is dropped, never waited for.
func (h *eventHub) broadcast(frame []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		select {
		case c.send <- frame:
		default:
			h.s.log.Warn("events: dropping a slow client", "user", c.p.User.Name)
			delete(h.clients, c)
			c.drop()
		}
	}
}

// signalAccount tells every client to send its account frame.
func (h *eventHub) signalAccount() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		select {
		case c.acct <- struct{}{}:
		default: // already signalled
		}
	}
}

// frameBytes marshals a frame.
func frameBytes(f eventFrame) []byte {
	if f.Data == nil {
		f.Data = json.RawMessage("{}")
	}
	b, err := json.Marshal(f)
	if err != nil { // data that is not JSON: the store checks it, so never
		f.Data = json.RawMessage("{}")
		b, _ = json.Marshal(f)
	}
	return b
}

// checkOrigin refuses a cross-site websocket: a browser sends Origin,
// and it must be the origin the request was made to, scheme, host and
// port (RFC 6454 section 5): https://faxbox is not http://faxbox.
func checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil // not a browser, or a same-origin request that omits it
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return fmt.Errorf("origin %q is not a URL", origin)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if !strings.EqualFold(u.Scheme, scheme) || !strings.EqualFold(hostPort(u.Host, u.Scheme), hostPort(r.Host, scheme)) {
		return fmt.Errorf("origin %s is not this server (%s://%s)", origin, scheme, r.Host)
	}
	return nil
}

// hostPort is host with the scheme's default port if it has none.
func hostPort(host, scheme string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	port := "80"
	if strings.EqualFold(scheme, "https") {
		port = "443"
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), port)
}

// serveEvents implements GET /api/events?since=SEQ.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	if err := checkOrigin(r); err != nil {
		writeError(w, http.StatusForbidden, err.Error())
		return
	}
	var since int64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("since=%q: want the seq of the last event seen, or 0", v))
			return
		}
		since = n
	}
	if !websocket.IsWebSocketUpgrade(r) {
		writeError(w, http.StatusBadRequest, "GET /api/events is a websocket: send Upgrade: websocket")
		return
	}
	ctx, cancel := context.WithCancel(s.events.ctx)
	defer cancel()
	c := &eventClient{p: principal(r), send: make(chan []byte, eventsSendBuffer), acct: make(chan struct{}, 1),
		ctx: ctx, cancel: cancel}
	modems, err := s.events.add(c)
	var uce *userCapError
	if errors.As(err, &uce) {
		s.log.Warn("events: refused over the per-user cap", "user", c.p.User.Name, "max", uce.max)
		writeError(w, http.StatusTooManyRequests, err.Error())
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	defer s.events.remove(c)

	up := websocket.Upgrader{ReadBufferSize: 256, WriteBufferSize: 4096, WriteBufferPool: &s.events.bufs,
		CheckOrigin: func(*http.Request) bool { return true }} // checked above, with a JSON answer
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	// Dropping a client must also end a write that its full socket
	// blocks: the write pump then closes the connection.
	stop := context.AfterFunc(ctx, func() { conn.NetConn().SetWriteDeadline(time.Now()) })
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.writePump(conn, s.cfg.PingEvery)
	}()
	go c.readPump(conn)

	if modems != nil {
		c.queue(frameBytes(eventFrame{Kind: kindModem, At: s.cfg.Now().UTC(), Data: modems}))
	}
	if err := s.pullEvents(c, since); err != nil && ctx.Err() == nil {
		s.log.Warn("events: stream ended", "user", c.p.User.Name, "err", err)
	}
	cancel()
	<-done
}

// queue hands the write pump a frame of the client's own stream, waiting
// as long as a write may take: a client that reads slower than that is
// dropped.
func (c *eventClient) queue(frame []byte) bool {
	t := time.NewTimer(eventsWriteWait)
	defer t.Stop()
	select {
	case c.send <- frame:
		return true
	case <-c.ctx.Done():
	case <-t.C:
		c.drop()
	}
	return false
}

// pullEvents sends the log after since that the principal may see, then
// waits for commits and sends those, until the client goes.
func (s *Server) pullEvents(c *eventClient, since int64) error {
	for {
		changed := s.cfg.Store.Changed()
		evs, frames, err := s.events.log.eventsSince(s.events.ctx, s.cfg.Store, changed, since)
		if err != nil {
			return err
		}
		for i, e := range evs {
			since = e.Seq
			ok, err := s.events.owners.visible(c.ctx, s.cfg.Store, c.p, e)
			if err != nil {
				return err
			}
			if ok && !c.queue(frames[i]) {
				return nil
			}
		}
		if len(evs) == eventsBatch {
			continue
		}
		select {
		case <-c.ctx.Done():
			return nil
		case <-changed:
		case <-c.acct:
			a, err := s.accountView(c.ctx, c.p)
			if err != nil {
				return err
			}
			b, _ := json.Marshal(a)
			if !c.queue(frameBytes(eventFrame{Kind: kindAccount, At: s.cfg.Now().UTC(), Data: b})) {
				return nil
			}
		}
	}
}

// writePump is the connection's only writer.
func (c *eventClient) writePump(conn *websocket.Conn, pingEvery time.Duration) {
	ping := time.NewTicker(pingEvery)
	defer func() {
		ping.Stop()
		conn.Close()
	}()
	for {
		select {
		case f := <-c.send:
			conn.SetWriteDeadline(time.Now().Add(eventsWriteWait))
			if err := conn.WriteMessage(websocket.TextMessage, f); err != nil {
				c.drop()
				return
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(eventsWriteWait)); err != nil {
				c.drop()
				return
			}
		case <-c.ctx.Done():
			conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), time.Now().Add(time.Second))
			return
		}
	}
}

// readPump reads pongs and the close frame; anything else the client
// sends is ignored, and a read error ends the connection.
func (c *eventClient) readPump(conn *websocket.Conn) {
	defer c.drop()
	conn.SetReadLimit(1024)
	conn.SetReadDeadline(time.Now().Add(eventsPongWait))
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(eventsPongWait))
	})
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
	}
}

// logCache shares the reads of the event log between the clients: after
// a commit, every client that is up to date asks for the events after the
// same seq, and one query answers them all.
//
// A result is shared only between readers that took the same
// store.Changed channel before reading: an event that the shared query
// missed was committed before that channel is closed, so each of them
// reads again. A reader whose channel is already closed reads alone.
type logCache struct {
	mu    sync.Mutex
	gen   <-chan struct{}    // the store.Changed channel of the results
	reads map[int64]*logRead // by seq
}

type logRead struct {
	done   chan struct{}
	evs    []store.Event // read only once done
	frames [][]byte      // evs as frames
	err    error
}

// read runs the query.
func (rd *logRead) read(ctx context.Context, st *store.Store, since int64) {
	rd.evs, rd.err = st.EventsSince(ctx, since, eventsBatch)
	for _, e := range rd.evs {
		rd.frames = append(rd.frames, frameBytes(eventFrame{Seq: e.Seq, At: e.At.UTC(), Kind: string(e.Kind), Job: e.Job, Data: e.Payload}))
	}
}

// eventsSince returns up to eventsBatch events after since, and their
// frames, for a reader that took changed from store.Changed before
// calling it. The slices are shared: read only.
func (lc *logCache) eventsSince(ctx context.Context, st *store.Store, changed <-chan struct{}, since int64) ([]store.Event, [][]byte, error) {
	select {
	case <-changed:
		var rd logRead
		rd.read(ctx, st, since)
		return rd.evs, rd.frames, rd.err
	default:
	}
	lc.mu.Lock()
	if lc.gen != changed {
		lc.gen, lc.reads = changed, map[int64]*logRead{}
	}
	rd, ok := lc.reads[since]
	if !ok {
		rd = &logRead{done: make(chan struct{})}
		lc.reads[since] = rd
	}
	lc.mu.Unlock()
	if ok {
		<-rd.done
	} else {
		rd.read(ctx, st, since)
		close(rd.done)
	}
	return rd.evs, rd.frames, rd.err
}

// ownerCache maps jobs and messages to their senders. A sender never
// changes, so entries never go stale; the cache is emptied when full.
type ownerCache struct {
	max int

	mu   sync.Mutex
	jobs map[int64]int64 // job → sender
	msgs map[int64]int64 // message → sender
}

func (oc *ownerCache) get(m map[int64]int64, id int64) (int64, bool) {
	oc.mu.Lock()
	defer oc.mu.Unlock()
	v, ok := m[id]
	return v, ok
}

func (oc *ownerCache) put(job, msg, sender int64) {
	oc.mu.Lock()
	defer oc.mu.Unlock()
	if oc.jobs == nil || len(oc.jobs)+len(oc.msgs) >= oc.max {
		oc.jobs, oc.msgs = map[int64]int64{}, map[int64]int64{}
	}
	if job != 0 {
		oc.jobs[job] = sender
	}
	if msg != 0 {
		oc.msgs[msg] = sender
	}
}

// visible reports whether p may see e: administrators see everything;
// staff see the events of their own messages and jobs, and of the faxes
// received for them or for all staff, or assigned to or away from them,
// only (not other events without a job).
func (oc *ownerCache) visible(ctx context.Context, st *store.Store, p Principal, e store.Event) (bool, error) {
	if p.Admin {
		return true, nil
	}
	pl, _ := e.Decode() // a malformed payload refers to nothing
	var msg int64       // the message a job's event names
	switch pl := pl.(type) {
	case events.ReceivedEvent:
		return mayRead(p, pl.User), nil
	case events.ReceivedPageEvent:
		return mayRead(p, pl.User), nil
	case events.AssignedEvent: // the inboxes it leaves and enters
		return mayRead(p, pl.User) || mayRead(p, pl.Previous), nil
	case events.MessageEvent:
		if pl.Sender != 0 {
			oc.put(0, pl.Message, pl.Sender)
			return pl.Sender == p.User.ID, nil
		}
	case events.JobEvent:
		msg = pl.Message
	}
	if e.Job != 0 {
		sender, err := oc.jobSender(ctx, st, e.Job, msg)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil && sender == p.User.ID, err
	}
	return false, nil
}

// jobSender returns the sender of job's message (msg, when the event
// named it).
func (oc *ownerCache) jobSender(ctx context.Context, st *store.Store, job, msg int64) (int64, error) {
	if s, ok := oc.get(oc.jobs, job); ok {
		return s, nil
	}
	if msg != 0 {
		if s, ok := oc.get(oc.msgs, msg); ok {
			oc.put(job, 0, s)
			return s, nil
		}
	}
	if msg == 0 {
		j, err := st.GetJob(ctx, job)
		if err != nil {
			return 0, err
		}
		msg = j.Message
	}
	m, err := st.GetMessage(ctx, msg)
	if err != nil {
		return 0, err
	}
	oc.put(job, msg, m.Sender)
	return m.Sender, nil
}
