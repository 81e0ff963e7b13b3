package sipline

import (
	"fmt"
	"io"
	"time"

	"faxbox/sip"
	"faxbox/t38"
)

// Record is what a line knows of its last call: how and when it ended,
// what it is billed, and its trace.
type Record struct {
	CallID   string
	Outgoing bool
	Target   string // the URI dialled (outgoing calls)
	// Answered is the 200 OK (RFC 3261 13.2.2.4 and 13.3.1.4) and Ended
	// the BYE, or the failure: the trunk bills the time between.
	Answered, Ended time.Time
	// Final is how the call ended (EventRemoteBye, EventHungUp or
	// EventFailed), with the stable Reason and the SIP status behind it.
	Final  sip.EventKind
	Reason sip.Reason
	Status int
	Err    error
	// T38 is set once the call carried T.38, with the agreed Params.
	T38    bool
	Params t38.Params
	Stats  t38.LineStats
	// SIP holds the call's SIP messages as they crossed the wire.
	SIP []sip.TraceRecord
	// Packets summarises the IFP packets: one entry per indicator and
	// V.21 packet, and one per run of page data in one direction.
	Packets []PacketRun
}

// Billed is the time from the 200 OK to the BYE, zero for a call never
// answered or not ended yet.
func (r *Record) Billed() time.Duration {
	if r.Answered.IsZero() || r.Ended.Before(r.Answered) {
		return 0
	}
	return r.Ended.Sub(r.Answered)
}

// PacketRun is one IFP packet, or a run of page data packets of one
// modulation in one direction.
type PacketRun struct {
	First, Last time.Time
	Sent        bool
	What        string // t38.Packet.String() or the data type of a run
	Count       int
	Octets      int
	Recovered   int
}

// add puts e into the summary.
func summarise(runs []PacketRun, e t38.TraceEntry) []PacketRun {
	p := e.Packet
	octets := 0
	for _, f := range p.Fields {
		octets += len(f.Data)
	}
	rec := 0
	if e.Recovered {
		rec = 1
	}
	image := p.IsData && p.Data != t38.V21
	if image && len(runs) > 0 {
		last := &runs[len(runs)-1]
		if last.Sent == e.Sent && last.What == p.Data.String() {
			last.Last, last.Count, last.Octets, last.Recovered = e.At, last.Count+1, last.Octets+octets, last.Recovered+rec
			return runs
		}
	}
	what := p.String()
	if image {
		what = p.Data.String()
	}
	return append(runs, PacketRun{First: e.At, Last: e.At, Sent: e.Sent, What: what, Count: 1, Octets: octets, Recovered: rec})
}

// WriteTrace writes the call's trace as text: the SIP messages and the
// T.38 packet summary in time order, then the counts.
func (r *Record) WriteTrace(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "call %s target %q answered %s ended %s billed %s reason %q status %d\n",
		r.CallID, r.Target, stamp(r.Answered), stamp(r.Ended), r.Billed().Round(time.Millisecond), r.Reason, r.Status)
	i, j := 0, 0
	for i < len(r.SIP) || j < len(r.Packets) {
		if j == len(r.Packets) || i < len(r.SIP) && r.SIP[i].Time.Before(r.Packets[j].First) {
			m := r.SIP[i]
			fmt.Fprintf(ew, "%s %s SIP %s %s\n%s\n", stamp(m.Time), arrow(m.Sent), m.Transport, m.Remote, m.Msg)
			i++
			continue
		}
		p := r.Packets[j]
		if p.Count == 1 {
			fmt.Fprintf(ew, "%s %s T.38 %s\n", stamp(p.First), arrow(p.Sent), p.What)
		} else {
			fmt.Fprintf(ew, "%s %s T.38 %s: %d packets, %d octets, %d recovered, until %s\n",
				stamp(p.First), arrow(p.Sent), p.What, p.Count, p.Octets, p.Recovered, stamp(p.Last))
		}
		j++
	}
	if r.T38 {
		fmt.Fprintf(ew, "T.38 %+v; packets %+v\n", r.Params, r.Stats)
	}
	return ew.err
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("15:04:05.000")
}

func arrow(sent bool) string {
	if sent {
		return ">"
	}
	return "<"
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}
