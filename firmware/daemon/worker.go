package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/modem"
	"faxbox/t30"
)

// errCancelRequested is the cause of a call ended because a user cancelled
// its job.
var errCancelRequested = errors.New("daemon: job cancelled during the call")

// worker owns one modem: it claims due jobs and makes their calls, one at
// a time, on its own goroutine.
type worker struct {
	pool *Pool
	line Line
	log  *slog.Logger
	// modem is the line's modem: Line.Modem, or the driver Config.Open
	// gave for Line.Device, nil while the device is not open. Owned by
	// run's goroutine; Borrow gets it through lendReply.
	modem Modem

	mu     sync.Mutex // guards status, read by Pool.Status
	status ModemStatus

	lend chan lendRequest // Pool.Borrow's requests
	done chan struct{}    // closed when run returns

	// Owned by run's goroutine (answer.go).
	lastRing time.Time    // the last RING of a call not answered
	refused  bool         // the call ringing was logged as not answered
	deferred *lendRequest // a borrower that asked as a call came in
	outErr   string       // the out-of-service reason last logged
}

func (w *worker) snapshot() ModemStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

// setState records the modem's new state and publishes it on the bus
// (Config.Bus). Entering the state it is in, for the same job and
// reason, changes nothing: Since stays when the state was entered.
func (w *worker) setState(s ModemState, job int64, err error) {
	reason := ""
	if err != nil {
		reason = err.Error()
	}
	w.mu.Lock()
	from := w.status
	if from.State == s && from.Job == job && from.Err == reason && from.Received == 0 && !from.Since.IsZero() &&
		s != ModemCalling && s != ModemReceiving {
		w.mu.Unlock()
		return
	}
	w.status.State, w.status.Job, w.status.Since, w.status.Err = s, job, time.Now(), reason
	w.status.Received = 0
	switch s {
	case ModemCalling:
		w.status.Calls++
	case ModemReceiving:
		w.status.Answered++
	}
	w.publish()
	w.mu.Unlock()
	if from.State != s {
		w.log.Debug("modem state", "from", from.State, "to", s, "job", job, "err", err)
	}
}

// setReceived records the fax being received, once its first page is in.
func (w *worker) setReceived(id int64) {
	w.mu.Lock()
	w.status.Received = id
	w.publish()
	w.mu.Unlock()
}

// publish puts the status on the bus. It runs with w.mu held, so that a
// line's events are published in the order of its changes.
func (w *worker) publish() {
	w.pool.cfg.Bus.Publish(w.status.Event())
}

// run is the worker's loop: bring the modem up, then claim and call until
// ctx ends. A modem failure takes the modem out of service until it resets.
func (w *worker) run(ctx context.Context) {
	defer close(w.done)
	defer w.closeModem()
	st := w.pool.cfg.Store
	if !w.bringUp(ctx, false) {
		return
	}
	for ctx.Err() == nil {
		// A borrower waits for the end of the call: serve it before the
		// next job.
		if !w.lendIfAsked(ctx) {
			return
		}
		changed := st.Changed() // before NextJob, so no change is missed
		if w.ringing() {
			// A call is ringing in: no job dials into it.
			if w.idle(ctx, changed) && !w.bringUp(ctx, true) {
				return
			}
			continue
		}
		j, ok, err := st.NextJob(ctx, time.Now())
		if err != nil {
			if ctx.Err() == nil {
				w.log.Error("claiming a job", "err", err)
				sleep(ctx, w.pool.cfg.ProbeEvery)
			}
			continue
		}
		if !ok {
			if w.idle(ctx, changed) && !w.bringUp(ctx, true) {
				return
			}
			continue
		}
		if modemFailed := w.call(ctx, j); modemFailed {
			if !w.bringUp(ctx, true) {
				return
			}
		}
		w.setState(ModemIdle, 0, nil)
	}
}

// idle sleeps until the next job is due, the store changes, Poll passes
// or ctx ends, and lends the modem to a borrower meanwhile. It watches
// the modem for incoming calls and answers them as the line's policy
// says (answer.go); while a call rings unanswered it waits for the rings
// to stop, not for jobs. It reports whether the modem failed in a call
// it answered, or its device went meanwhile (unplugged).
func (w *worker) idle(ctx context.Context, changed <-chan struct{}) (modemFailed bool) {
	d := w.pool.cfg.Poll
	if w.ringing() {
		d = time.Until(w.lastRing.Add(ringGap))
	} else {
		w.setState(ModemIdle, 0, nil)
		if next, ok, err := w.pool.cfg.Store.NextDue(ctx); err == nil && ok {
			// Another worker may have just claimed what is due: do not spin.
			d = min(d, time.Until(next))
		}
	}
	d = max(d, 20*time.Millisecond)
	t := time.NewTimer(d)
	defer t.Stop()
	ring, gone, stop := w.ringWatch(ctx)
	var req *lendRequest
	select {
	case <-ctx.Done():
	case <-changed:
	case <-t.C:
	case r := <-w.lend:
		req = &r
	case r := <-ring:
		stop()
		return w.onRing(ctx, r)
	case err := <-gone:
		stop()
		w.log.Warn("modem gone while idle", "err", err)
		w.setState(ModemOutOfOrder, 0, err)
		return true
	}
	stop()
	select {
	case r := <-ring: // it rang as the watch stopped
		w.deferred = req // Borrow waits: it is served after the call
		return w.onRing(ctx, r)
	default:
	}
	if req != nil {
		w.lendTo(ctx, *req)
	}
	return false
}

// sleep waits for d or ctx.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// bringUp opens the line's device if it is not open and resets the modem
// (after a failure, closing the device and power-cycling the modem first),
// every ProbeEvery until that succeeds; false when ctx ended first. A
// device that is absent keeps the modem out of service until it appears.
func (w *worker) bringUp(ctx context.Context, failed bool) bool {
	cfg := &w.pool.cfg
	for {
		w.setState(ModemProbing, 0, nil)
		err := w.reset(ctx, failed)
		if err == nil {
			w.setState(ModemIdle, 0, nil)
			if failed {
				w.log.Info("modem back in service")
			}
			w.outErr = ""
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if err.Error() != w.outErr { // not once every probe
			w.outErr = err.Error()
			w.log.Warn("modem out of service", "err", err)
		}
		w.setState(ModemOutOfOrder, 0, err)
		failed = true
		if w.sleepOutOfService(ctx, cfg.ProbeEvery); ctx.Err() != nil {
			return false
		}
	}
}

// reset brings the modem to a known state; after a failure it closes the
// device (opened again below) and power-cycles the modem first.
func (w *worker) reset(ctx context.Context, failed bool) error {
	ctx, cancel := context.WithTimeout(ctx, w.pool.cfg.ResetTimeout)
	defer cancel()
	if failed {
		w.closeModem()
		if w.line.PowerCycle != nil {
			if err := w.line.PowerCycle(ctx); err != nil {
				return fmt.Errorf("power cycle: %w", err)
			}
		}
	}
	if w.modem == nil {
		m, err := w.pool.cfg.Open(w.line.Device)
		if err != nil {
			return &DeviceError{Device: w.line.Device, Err: err}
		}
		w.modem = m
	}
	return w.modem.Reset(ctx)
}

// closeModem closes a modem the pool opened from Line.Device, so that the
// next reset opens the device again; a Line.Modem is kept.
func (w *worker) closeModem() {
	if w.line.Device == "" || w.modem == nil {
		return
	}
	if c, ok := w.modem.(io.Closer); ok {
		if err := c.Close(); err != nil {
			w.log.Debug("closing the modem", "err", err)
		}
	}
	w.modem = nil
}

// finisher returns the function that ends attempt with an outcome: a
// retry that the store refuses for want of attempts left fails the job.
func (w *worker) finisher(pctx context.Context, log *slog.Logger, attempt int64) func(store.Outcome) {
	st := w.pool.cfg.Store
	return func(o store.Outcome) {
		if _, err := st.FinishAttempt(pctx, attempt, o); err != nil {
			if o.Next == store.Retry && errors.Is(err, store.ErrNoAttemptsLeft) {
				o.Next = store.Failed
				_, err = st.FinishAttempt(pctx, attempt, o)
			}
			if err != nil {
				log.Error("finishing the attempt", "outcome", o.Next, "err", err)
				return
			}
		}
		log.Info("attempt ended", "next", o.Next, "reason", o.ReasonCode, "text", o.ReasonText, "connected", o.Duration)
	}
}

// call makes one attempt for the claimed job j and persists how it ended.
// It reports whether the modem failed. Every record is written with a
// context that ctx's end does not cancel, so that a call interrupted by
// shutdown is still settled and finished.
func (w *worker) call(ctx context.Context, j store.Job) (modemFailed bool) {
	cfg := &w.pool.cfg
	pctx := context.WithoutCancel(ctx)
	log := w.log.With("job", j.ID, "number", j.Recipient.Number)
	a, err := cfg.Store.StartAttempt(pctx, j.ID, w.line.Name)
	if err != nil {
		// The job stays dialing; Recover requeues it on the next start.
		log.Error("starting an attempt", "err", err)
		return false
	}
	log = log.With("attempt", a.Number)
	// An attempt a user asked for (store.Store.RetryNow) raised the job's
	// MaxAttempts as it started: retryOrFail counts with the job as it is now.
	if now, err := cfg.Store.GetJob(pctx, j.ID); err == nil {
		j.Attempts, j.MaxAttempts = now.Attempts, now.MaxAttempts
	}
	finish := w.finisher(pctx, log, a.ID)
	fail := func(code, text string) { finish(store.Outcome{Next: store.Failed, ReasonCode: code, ReasonText: text}) }

	n, dial, doc, ok := w.prepare(pctx, j, a, finish)
	if !ok {
		return false
	}

	var user string
	if m, err := cfg.Store.GetMessage(pctx, j.Message); err == nil {
		user = m.SenderName
	}
	opts, lt := w.options(pctx, log, n.E164)
	expected := lt.Call(doc.coded)
	callID := billing.CallID(j.ID, a.Number)
	hold, err := cfg.Ledger.BeginCall(pctx, billing.CallRequest{ID: callID, Job: fmt.Sprintf("job%d", j.ID),
		User: user, Number: n.E164, Country: n.Region, Pages: doc.Len(), LineTime: expected})
	if err != nil {
		if code, text, final := w.billingRefusal(err); final {
			fail(code, text)
		} else {
			w.retryOrFail(finish, j, a, t30.ReasonNoResponse, store.Outcome{ReasonCode: code, ReasonText: text})
		}
		return false
	}
	limit, ok := hold.CallLimit(t30.HangUpMargin)
	if !ok {
		w.settle(pctx, log, callID, 0)
		fail(ReasonCredit, fmt.Sprintf("credit exhausted: %s available is not enough for a call",
			cfg.Ledger.Currency().Format(hold.Amount)))
		return false
	}

	// Hang up when a user cancels the job during the call.
	callCtx, cancelCall := context.WithCancelCause(ctx)
	defer cancelCall(nil)
	go w.watchCancel(callCtx, cancelCall, j.ID)

	w.setState(ModemCalling, j.ID, nil)
	rec := &recorder{w: w, ctx: pctx, log: log, attempt: a.ID, call: callID, doc: doc, limit: limit, cut: cancelCall}
	defer rec.stopLimit()
	// The meter runs from the answer: the engine's own limit, from
	// CONNECT, leaves room for the time before it.
	opts.MaxDuration = max(limit-w.line.AnswerAllowance, time.Second)
	next := opts.OnEvent
	opts.OnEvent = func(e t30.Event) {
		rec.event(e)
		if next != nil {
			next(e)
		}
	}
	log.Info("dialling", "dial", dial.String(), "pages", doc.Len(), "expected", expected, "limit", limit, "max_rate", opts.MaxRate, "ecm", !opts.NoECM)
	tr, opts := w.startTrace(pctx, log, j, a, dial.String(), opts)
	r := t30.Send(callCtx, w.modem, dial.String(), doc, opts)
	w.endTrace(log, tr, r)
	cause := context.Cause(callCtx)
	cancelCall(nil)

	return w.ended(ctx, log, j, a, finish, callID, n.E164, doc, rec, r, cause)
}

// prepare finds what attempt a of job j dials and sends: the number
// through the dial plan and the pages not yet confirmed, each checked
// readable. When it cannot, it finishes the attempt and returns false.
func (w *worker) prepare(ctx context.Context, j store.Job, a store.Attempt, finish func(store.Outcome)) (numbers.Number, numbers.Dial, *document, bool) {
	cfg := &w.pool.cfg
	fail := func(code, text string) { finish(store.Outcome{Next: store.Failed, ReasonCode: code, ReasonText: text}) }
	n, err := numbers.Parse(j.Recipient.Number)
	var dial numbers.Dial
	if err == nil {
		dial, err = cfg.DialPlan.Dial(n)
	}
	if err != nil {
		fail(ReasonBadNumber, "the number cannot be dialled: "+err.Error())
		return n, dial, nil, false
	}
	ps, err := cfg.Store.Pages(ctx, j.ID)
	if err != nil {
		w.retryOrFail(finish, j, a, t30.ReasonNoResponse, store.Outcome{ReasonCode: ReasonNoPages,
			ReasonText: "the pages could not be read: " + err.Error()})
		return n, dial, nil, false
	}
	doc := remaining(cfg.Store, ps)
	if doc.Len() == 0 {
		fail(ReasonNoPages, "there is no page left to send")
		return n, dial, nil, false
	}
	if err := doc.measure(); err != nil {
		fail(ReasonNoPages, "a page of the fax is missing or unreadable: "+err.Error())
		return n, dial, nil, false
	}
	return n, dial, doc, true
}

// ended settles call callID to number after the engine's result r (cause
// is why the call's context ended, if it did), records what it taught of
// the destination, and finishes attempt a of job j. It reports whether
// the modem failed.
func (w *worker) ended(ctx context.Context, log *slog.Logger, j store.Job, a store.Attempt, finish func(store.Outcome),
	callID, number string, doc *document, rec *recorder, r t30.Result, cause error) (modemFailed bool) {
	cfg := &w.pool.cfg
	pctx := context.WithoutCancel(ctx)
	// r.Connected is the engine's measure from CONNECT on the monotonic
	// clock; the meter adds the time from the answer to CONNECT, unless
	// the line bills its calls itself (billed).
	answered := r.Connected > 0 || rec.connected
	w.settle(pctx, log, callID, w.billed(r))
	var params *store.Params
	if answered {
		p := callParams(r)
		params = &p
	}
	if c, ok := callReport(number, r, rec); ok {
		if err := cfg.Store.RecordCall(pctx, c); err != nil {
			log.Error("recording the destination's history", "err", err)
		}
	}
	o := store.Outcome{ReasonCode: string(r.Reason), ReasonText: r.Text, Duration: r.Connected, Params: params}
	switch {
	case r.OK():
		o.Next = store.Delivered
		finish(o)
	case r.Reason == t30.ReasonCancelled && errors.Is(cause, errCancelRequested):
		o.Next = store.Failed // the store ends it cancelled
		finish(o)
	case r.Reason == t30.ReasonCancelled && ctx.Err() != nil:
		o.ReasonCode, o.ReasonText = ReasonShutdown, "the fax appliance stopped during the call"
		w.retryOrFail(finish, j, a, t30.ReasonModem, o)
	case r.Reason == t30.ReasonTimeLimit:
		o.Next, o.ReasonCode = store.Failed, ReasonCredit
		o.ReasonText = fmt.Sprintf("credit exhausted: the call was ended after %d of %d pages when the credit ran out", r.Pages, doc.Len())
		finish(o)
	default:
		if r.Reason == t30.ReasonModem {
			modemFailed = true
			log.Warn("modem failed during a call", "err", r.Err)
			w.setState(ModemOutOfOrder, 0, r.Err)
		}
		if errors.Is(r.Err, modem.ErrGone) {
			// The line failed with the modem: retried at once on another
			// modem, from the first page not confirmed.
			o.ReasonCode = ReasonModemGone
			o.ReasonText = fmt.Sprintf("the modem %s was unplugged or lost power during the call; the pages not confirmed are sent again", w.line.Name)
		}
		w.retryOrFail(finish, j, a, r.Reason, o)
	}
	return modemFailed
}

// options returns the engine's options for a call to number: the
// configured ones adjusted to the number's history (Learning); and the
// line-time model of the call: the rate and ECM of the last call to the
// number that delivered a page (else t30.DefaultRate with ECM), within
// those options.
func (w *worker) options(ctx context.Context, log *slog.Logger, number string) (t30.Options, t30.LineTime) {
	cfg := &w.pool.cfg
	d, err := cfg.Store.Destination(ctx, number)
	if err != nil {
		log.Error("reading the destination's history", "err", err)
		return cfg.Fax, t30.LineTime{}.Within(cfg.Fax)
	}
	o := cfg.Learning.options(cfg.Fax, d, time.Now())
	return o, t30.Expected(d.Worked.BitRate, d.Worked.ECM).Within(o)
}

// retryOrFail finishes the attempt with o as a retry after the back-off
// for reason, or as failed when reason is final or no attempt is left.
func (w *worker) retryOrFail(finish func(store.Outcome), j store.Job, a store.Attempt, reason t30.Reason, o store.Outcome) {
	o.Next = store.Failed
	d, retry := w.pool.cfg.Backoff.after(reason)
	switch {
	case retry && a.Number < j.MaxAttempts:
		o.Next, o.RetryAt = store.Retry, time.Now().Add(d)
	case retry:
		o.ReasonText = fmt.Sprintf("%s; gave up after %d attempts", strings.TrimRight(o.ReasonText, ". "), a.Number)
	}
	finish(o)
}

// billingRefusal turns a BeginCall error into an attempt's reason, and
// whether it is final (retrying later will not help without a user's
// action).
func (w *worker) billingRefusal(err error) (code, text string, final bool) {
	cur := w.pool.cfg.Ledger.Currency()
	var ce *billing.CreditError
	var le *billing.LimitError
	switch {
	case errors.As(err, &ce):
		return ReasonCredit, fmt.Sprintf("credit exhausted: %s available, %s needed to dial; not dialled",
			cur.Format(ce.Available), cur.Format(ce.Required)), true
	case errors.As(err, &le):
		return ReasonCredit, fmt.Sprintf("monthly spending limit reached: %s of %s used; not dialled",
			cur.Format(le.Used), cur.Format(le.Limit)), true
	case errors.Is(err, billing.ErrNoRate), errors.Is(err, billing.ErrNoTariff):
		return "no-tariff", "there is no tariff for this destination; not dialled", true
	}
	return "billing", "the call could not be charged: " + err.Error(), false
}

// billed is what the call that ended with r is charged for: the line's
// own measure when it keeps one (a SIP line: from the 200 OK to the BYE),
// else the metered connected time.
func (w *worker) billed(r t30.Result) time.Duration {
	if cr, ok := w.modem.(CallRecorder); ok {
		return cr.Billed()
	}
	return w.metered(r.Connected)
}

// metered is what the telephone company bills for a call connected for
// connected (from CONNECT): that time and the answer allowance before it,
// nothing for a call never connected.
func (w *worker) metered(connected time.Duration) time.Duration {
	if connected <= 0 {
		return 0
	}
	return connected + w.line.AnswerAllowance
}

// settle ends the call's billing with the metered connected time.
func (w *worker) settle(ctx context.Context, log *slog.Logger, callID string, connected time.Duration) {
	s, err := w.pool.cfg.Ledger.Settle(ctx, callID, connected > 0, connected)
	if err != nil {
		// Ledger.Recover settles it from the last Progress on the next start.
		log.Error("settling the call", "call", callID, "err", err)
		return
	}
	log.Debug("settled", "call", callID, "charge", s.Charge, "connected", connected)
}

// watchCancel cancels the call with errCancelRequested when the job's
// cancellation is requested, until ctx ends.
func (w *worker) watchCancel(ctx context.Context, cancel context.CancelCauseFunc, job int64) {
	st := w.pool.cfg.Store
	for {
		changed := st.Changed()
		if j, err := st.GetJob(ctx, job); err == nil && j.CancelRequested {
			cancel(errCancelRequested)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}

// recorder persists a call's events as the engine reports them, on the
// call's goroutine: the store's record of a confirmed page is written
// before the engine goes on (a few milliseconds of SQLite against T.30's
// seconds of slack), so that a crash never loses a confirmed page.
type recorder struct {
	w         *worker
	ctx       context.Context
	log       *slog.Logger
	attempt   int64
	call      string
	doc       *document
	connected bool
	at        time.Time // CONNECT, with its monotonic reading
	// trainingFailed lists the rates whose training check failed; trained
	// is set when one succeeded.
	trainingFailed []int
	trained        bool
	// params is what the call has negotiated so far, recorded after each
	// good training for the sender to see during the call.
	params store.Params
	// progress records the progress within a page off the call's
	// goroutine (progress.go).
	progress pageProgress
	// limit is the call's credit limit and cut ends the call; timer
	// enforces limit from the answer on lines that know it (fromAnswer).
	limit time.Duration
	cut   context.CancelCauseFunc
	timer *time.Timer
}

// fromAnswer makes the meter and the credit limit run from at, when the
// line answered (a SIP line's 200 OK, RFC 3261 13.2.2.4), which is what
// the trunk bills, rather than from the engine's CONNECT seconds later.
// The engine's own limit, from CONNECT, stays as a backstop; this one
// ends the call first, with the engine's time-limit cause, so that the
// call ends cleanly as at the engine's limit.
func (r *recorder) fromAnswer(at time.Time) {
	r.at = at
	if r.limit > 0 && r.cut != nil {
		r.timer = time.AfterFunc(time.Until(at.Add(r.limit)), func() { r.cut(t30.ErrTimeLimit) })
	}
}

// stopLimit stops the limit timer fromAnswer started, if any.
func (r *recorder) stopLimit() {
	if r.timer != nil {
		r.timer.Stop()
	}
}

func (r *recorder) event(e t30.Event) {
	cfg := &r.w.pool.cfg
	switch e := e.(type) {
	case t30.Connected:
		r.connected, r.at = true, e.At
		if err := cfg.Store.RecordConnected(r.ctx, r.attempt, store.Params{}); err != nil {
			r.log.Error("recording connected", "err", err)
		}
		meter := r.w.line.AnswerAllowance
		if at := answeredAt(r.w.modem); !at.IsZero() && !at.After(e.At) {
			r.fromAnswer(at)
			meter = time.Since(at)
		}
		if err := cfg.Ledger.Progress(r.ctx, r.call, meter); err != nil {
			r.log.Error("metering", "err", err)
		}
	case t30.RemoteIdent:
		r.params.RemoteIdent = e.Ident
	case t30.Negotiated:
		r.params.ECM, r.params.Coding = e.Params.ECM, e.Params.Coding.String()
	case t30.Training:
		if e.OK {
			r.trained = true
			r.params.BitRate = e.BitRate
			if err := cfg.Store.RecordNegotiated(r.ctx, r.attempt, r.params); err != nil {
				r.log.Error("recording the negotiated rate", "err", err)
			}
		} else {
			r.trainingFailed = append(r.trainingFailed, e.BitRate)
		}
	case t30.PageProgress:
		r.progress.record(e, func(e t30.PageProgress) {
			if err := cfg.Store.RecordPageProgress(r.ctx, r.attempt, r.doc.index(e.Page), e.Sent, e.Bytes); err != nil {
				r.log.Debug("recording page progress", "page", e.Page, "err", err)
			}
		})
	case t30.PageConfirmed:
		page := r.doc.index(e.Page)
		if _, err := cfg.Store.RecordPageConfirmed(r.ctx, r.attempt, page); err != nil {
			r.log.Error("recording a confirmed page", "page", page, "err", err)
		}
		if r.connected {
			if err := cfg.Ledger.Progress(r.ctx, r.call, r.w.metered(time.Since(r.at))); err != nil {
				r.log.Error("metering", "err", err)
			}
		}
	}
}
