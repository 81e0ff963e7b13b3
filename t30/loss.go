package t30

import (
	"bytes"
	"context"
	"io"
	"math"

	"faxbox/modem"
	"faxbox/pages"
)

// lossReporter is a line that can tell where high-speed data was lost
// beyond recovery, which a class 1 modem cannot: a T.38 line knows its
// lost UDPTL packets (T.38 clause 9.1). ReceiveDataReportingLoss is
// Modem.ReceiveData that also calls lost, between two writes to w and so
// at the place of the hole in the data, with an estimate of the octets
// lost (0 when it has none). The engine uses it when the Modem has it.
//
// Without ECM nothing in the page data marks such a hole: the T.4
// decoder resynchronises on the next EOL (T.4 4.1.2) and the rows in the
// hole vanish, so that a page short of rows would pass the copy quality
// check. The receiver counts them as bad rows instead, and a page that
// lost much gets RTN (T.30 5.3.6.1.x, 5.3.6.2.6): the sender retrains and
// sends it again.
type lossReporter interface {
	ReceiveDataReportingLoss(ctx context.Context, mod modem.Modulation, w io.Writer, lost func(octets int)) (int64, error)
}

// dataLoss is a hole in received page data: at is the number of octets
// received before it, octets an estimate of what it held.
type dataLoss struct {
	at     int64
	octets int
}

// noteLoss records a hole at the current end of the page data.
func (r *receiver) noteLoss(octets int) {
	r.losses = append(r.losses, dataLoss{at: int64(r.data.Len()), octets: octets})
}

// decodedRow is a row of a page decoded with holes in its data.
type decodedRow struct {
	end int64 // input octets used up to the row's end
	bad bool
}

// decodeWithLosses decodes page data as pages.Decode does, then accounts
// for the holes the line reported: the row being decoded where data is
// missing is bad (it joins the start of one row to the end of a later
// one), and the rows the hole held, estimated from its octets and the
// page's mean octets per row, are put back there as bad rows (repeating
// the row above, as the decoder does for a damaged row), so that Stats
// and the page's height count them.
func decodeWithLosses(data []byte, o pages.DecoderOptions, losses []dataLoss) (*pages.Page, pages.Stats, error) {
	if len(losses) == 0 {
		return pages.Decode(bytes.NewReader(data), o)
	}
	d, err := pages.NewDecoder(bytes.NewReader(data), o)
	if err != nil {
		return nil, pages.Stats{}, err
	}
	stride := (o.Width + 7) / 8
	var pix []byte
	var rows []decodedRow
	row := make([]byte, stride)
	var rerr error
	for {
		before := d.Stats().BadRows
		if err := d.ReadRow(row); err != nil {
			if err != io.EOF {
				rerr = err
			}
			break
		}
		pix = append(pix, row...)
		rows = append(rows, decodedRow{end: d.Offset(), bad: d.Stats().BadRows > before})
	}
	if len(rows) == 0 {
		return &pages.Page{Width: o.Width, Stride: stride}, d.Stats(), rerr
	}
	perRow := float64(rows[len(rows)-1].end) / float64(len(rows))
	a := lossAccount{stride: stride, perRow: perRow, room: pages.MaxHeight - len(rows)}
	white := make([]byte, stride)
	li := 0
	for i, rw := range rows {
		above := white
		if i > 0 {
			above = pix[(i-1)*stride : i*stride]
		}
		bad := rw.bad
		for ; li < len(losses) && losses[li].at < rw.end; li++ {
			bad = true // joins the start of one row to the end of a later one
			a.missing(above, losses[li])
		}
		a.add(pix[i*stride:(i+1)*stride], bad)
	}
	for ; li < len(losses); li++ {
		// A hole after the last row: its last rows or RTC; at least
		// one bad row for it.
		last := pix[(len(rows)-1)*stride:]
		if a.missing(last, losses[li]) == 0 {
			a.add(last, true)
		}
	}
	a.st.EndMarker = d.Stats().EndMarker
	return &pages.Page{Width: o.Width, Height: a.st.Rows, Stride: stride, Pix: a.pix}, a.st, rerr
}

// lossAccount builds a page and its Stats row by row.
type lossAccount struct {
	stride int
	perRow float64 // mean input octets per decoded row
	room   int     // rows that may still be added for holes
	pix    []byte
	st     pages.Stats
	run    int
}

func (a *lossAccount) add(row []byte, bad bool) {
	a.pix = append(a.pix, row...)
	a.st.Rows++
	if !bad {
		a.run = 0
		return
	}
	a.run++
	a.st.BadRows++
	a.st.MaxConsecutiveBad = max(a.st.MaxConsecutiveBad, a.run)
}

// missing adds the rows a hole is estimated to have held, bad and
// repeating row, and returns how many.
func (a *lossAccount) missing(row []byte, l dataLoss) int {
	n := min(int(math.Round(float64(l.octets)/a.perRow)), a.room)
	for range n {
		a.add(row, true)
	}
	a.room -= n
	return n
}
