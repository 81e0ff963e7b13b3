package daemon

import (
	"strings"
	"time"

	"faxbox/firmware/store"
	"faxbox/t30"
)

// rateLadder is the class 1 fax bit rates, fastest first: V.17 14400 and
// 12000, V.29 9600 and 7200, V.27ter 4800 and 2400.
var rateLadder = [...]int{14400, 12000, 9600, 7200, 4800, 2400}

// Learning is how each call starts from what worked on the previous calls
// to the same number (store.Destination), as HylaFAX keeps an info file
// per remote machine. The rule:
//
//   - Rate. If a training check (TCF) to the number failed within Forget,
//     the call starts one step below the fastest rate that failed, or at
//     the rate that worked in that call or since if that is lower (a
//     machine that failed at 14400 and 12000 and worked at 9600 starts
//     at 9600). Each StepUp calls whose first training check succeeded
//     since the last failure raise the start one step again, up to the
//     configured t30.Options.MaxRate; failures older than Forget are
//     forgotten.
//   - ECM. After a call failed in error correction mode (blocks given up
//     or PPS unanswered: t30.ReasonPageRejected, ReasonNoResponse or
//     ReasonProtocol with ECM negotiated), calls go without ECM (and so
//     without MMR) until StepUp of them have delivered or Forget has
//     passed; then ECM is tried again.
//   - Coding is left to the negotiation: the engine picks MH, MR or MMR
//     from the remote's DIS, and MMR needs ECM.
//   - Resolution is not changed either: the engine merges rows for a
//     receiver that lacks a page's resolution. The best resolution the
//     last DIS announced is kept (store.Destination.ReceiverResolution)
//     for the estimate of the next message to the number.
//
// The zero value selects the defaults.
type Learning struct {
	// StepUp is the count of good calls after which a lowered rate rises
	// one step, and ECM is tried again. Default 3.
	StepUp int
	// Forget is the age after which a failure no longer counts. Default
	// 30 days.
	Forget time.Duration
	// Off makes every call start from Config.Fax as it is.
	Off bool
}

func (l Learning) stepUp() int { return or2(l.StepUp, 3) }

func (l Learning) forget() time.Duration { return or(l.Forget, 30*24*time.Hour) }

func or2(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// options returns base adjusted to what d says of the destination at now.
func (l Learning) options(base t30.Options, d store.Destination, now time.Time) t30.Options {
	if l.Off || d.Calls == 0 {
		return base
	}
	recent := func(t time.Time) bool { return !t.IsZero() && now.Sub(t) < l.forget() }
	if start := l.startRate(d, recent); start > 0 && (base.MaxRate == 0 || start < base.MaxRate) {
		base.MaxRate = start
	}
	if d.ECMFailures > 0 && recent(d.LastECMFailure) && d.DeliveredSinceECMFailure < l.stepUp() {
		base.NoECM = true
	}
	return base
}

// startRate returns the rate to start at, or 0 for no limit.
func (l Learning) startRate(d store.Destination, recent func(time.Time) bool) int {
	fastest := 0
	for _, f := range d.TrainingFailures {
		if recent(f.LastFailure) {
			fastest = max(fastest, f.BitRate)
		}
	}
	if fastest == 0 {
		return 0
	}
	step := len(rateLadder) - 1 // the slowest, if fastest is not on the ladder
	for i, r := range rateLadder {
		if r < fastest {
			step = i
			break
		}
	}
	// The rate that worked in the failed call or since, if lower.
	if w := d.Worked.BitRate; w > 0 && !d.WorkedAt.Before(d.LastTrainingFailure) {
		for step < len(rateLadder)-1 && rateLadder[step] > w {
			step++
		}
	}
	step -= d.CleanTrainings / l.stepUp()
	if step <= 0 {
		return 0
	}
	return rateLadder[step]
}

// callReport is what the call r, whose events rec saw, teaches about its
// destination; ok is false for calls that say nothing about it (our modem
// failed, the call was cancelled).
func callReport(number string, r t30.Result, rec *recorder) (store.CallReport, bool) {
	switch r.Reason {
	case t30.ReasonModem, t30.ReasonCancelled:
		return store.CallReport{}, false
	}
	c := store.CallReport{Number: number, ReasonCode: string(r.Reason), ReasonText: r.Text,
		Answered: r.Connected > 0 || rec.connected, Delivered: r.OK(), Pages: r.Pages,
		TrainingFailed: rec.trainingFailed, Trained: rec.trained}
	if c.Answered {
		c.Params = callParams(r)
	}
	c.ECMFailed = c.Answered && r.ECM && ecmTrouble(r.Reason)
	if r.ReceiverKnown {
		c.ReceiverResolution = r.ReceiverResolution.String()
	}
	return c, true
}

// ecmTrouble says whether a call that had ECM negotiated and ended with r
// failed in a way that calling without ECM may avoid.
func ecmTrouble(r t30.Reason) bool {
	switch r {
	case t30.ReasonPageRejected, t30.ReasonNoResponse, t30.ReasonProtocol:
		return true
	}
	return false
}

// callParams are the parameters r negotiated, as the store keeps them.
func callParams(r t30.Result) store.Params {
	p := store.Params{BitRate: r.BitRate, ECM: r.ECM, Coding: strings.ToUpper(r.Coding.String()), RemoteIdent: r.RemoteIdent,
		MergedPages: r.MergedPages}
	if r.BitRate > 0 {
		p.Resolution = r.LowestResolution.String()
	}
	return p
}
