package t30

import (
	"fmt"
	"time"

	"faxbox/pages"
)

// Event is something that happened during a call, reported in order on
// the call's goroutine through Options.OnEvent. The daemon, billing and the
// web UI build on these; each concrete type below is one kind.
type Event interface {
	event()
	String() string
}

// Dialing: the calling station is dialling Number (phase A).
type Dialing struct{ Number string }

// Connected: the call is up: the remote answered (calling station) or we
// answered (called station). Connected time, and billing, start here.
type Connected struct{ At time.Time }

// RemoteIdent: the remote station's identification (CSI, TSI or CIG).
type RemoteIdent struct{ Ident string }

// Negotiated: the parameters chosen for the pages that follow (DCS),
// after DIS and before training; again after a fallback.
type Negotiated struct{ Params Params }

// Training: the result of a training check (TCF): OK is CFR, not OK is
// FTT (T.30 5.3.6.1.6).
type Training struct {
	BitRate int
	OK      bool
}

// PageStarted: phase C of page Page (1-based) of Of begins (Of is 0 when
// receiving).
type PageStarted struct{ Page, Of int }

// PageConfirmed: the receiver confirmed page Page (MCF, or RTP, or PIP):
// only such pages count as sent.
type PageConfirmed struct {
	Page     int
	Bytes    int           // coded bytes sent
	Duration time.Duration // phase C time
}

// PageProgress: Sent of the Bytes coded bytes of page Page have gone to
// the modem (phase C), reported every few seconds of a long page.
type PageProgress struct{ Page, Sent, Bytes int }

// PageRejected: the receiver reported page Page unreadable (RTN, PIN); it
// will be sent again after retraining if tries remain.
type PageRejected struct{ Page, Try int }

// Retrain: training again, at BitRate, after RTN, RTP or a failed TCF.
type Retrain struct{ BitRate int }

// PageReceived: the called station received page Page and judged it.
type PageReceived struct {
	Page    int
	Stats   pages.Stats
	Bytes   int
	Quality Quality
}

// Finished: the call is over; Result is the outcome.
type Finished struct{ Result Result }

func (Dialing) event()       {}
func (Connected) event()     {}
func (RemoteIdent) event()   {}
func (Negotiated) event()    {}
func (Training) event()      {}
func (PageStarted) event()   {}
func (PageConfirmed) event() {}
func (PageProgress) event()  {}
func (PageRejected) event()  {}
func (Retrain) event()       {}
func (PageReceived) event()  {}
func (Finished) event()      {}

func (e Dialing) String() string     { return "dialing " + e.Number }
func (e Connected) String() string   { return "connected" }
func (e RemoteIdent) String() string { return fmt.Sprintf("remote ident %q", e.Ident) }
func (e Negotiated) String() string  { return "negotiated " + e.Params.String() }
func (e Training) String() string {
	if e.OK {
		return fmt.Sprintf("training at %d bit/s: ok", e.BitRate)
	}
	return fmt.Sprintf("training at %d bit/s: failed", e.BitRate)
}
func (e PageStarted) String() string {
	if e.Of > 0 {
		return fmt.Sprintf("page %d of %d", e.Page, e.Of)
	}
	return fmt.Sprintf("page %d", e.Page)
}
func (e PageConfirmed) String() string {
	return fmt.Sprintf("page %d confirmed (%d bytes, %.1f s)", e.Page, e.Bytes, e.Duration.Seconds())
}
func (e PageRejected) String() string {
	return fmt.Sprintf("page %d rejected by the receiver (try %d)", e.Page, e.Try)
}
func (e Retrain) String() string { return fmt.Sprintf("retraining at %d bit/s", e.BitRate) }
func (e PageReceived) String() string {
	return fmt.Sprintf("page %d received: %d rows, %d bad, answered %v", e.Page, e.Stats.Rows, e.Stats.BadRows, e.Quality)
}
func (e Finished) String() string { return "finished: " + e.Result.Text }

// Quality is the receiver's verdict on a page (T.30 5.3.6.1.7).
type Quality uint8

// The verdicts, best first.
const (
	QualityGood    Quality = iota // MCF
	QualityRetrain                // RTP: page kept, retrain before the next
	QualityBad                    // RTN: page not accepted
)

func (q Quality) String() string {
	switch q {
	case QualityGood:
		return "MCF"
	case QualityRetrain:
		return "RTP"
	}
	return "RTN"
}

// Judge applies the copy-quality rule a receiver answers with (HylaFAX's
// defaults: at least 95 % good rows and no more than 5 bad in a row for
// MCF; pages with more damage but still mostly readable get RTP; worse
// get RTN).
func Judge(st pages.Stats) Quality {
	if st.Rows == 0 {
		return QualityBad
	}
	good := float64(st.Rows-st.BadRows) / float64(st.Rows)
	switch {
	case good >= 0.95 && st.MaxConsecutiveBad <= 5:
		return QualityGood
	case good >= 0.85 && st.MaxConsecutiveBad <= 20:
		return QualityRetrain
	}
	return QualityBad
}

func (e PageProgress) String() string {
	return fmt.Sprintf("page %d: %d of %d bytes sent", e.Page, e.Sent, e.Bytes)
}
