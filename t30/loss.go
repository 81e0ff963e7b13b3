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
// lost much gets RTN (T.30 5.3.6.2.6): the sender retrains and
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
// for the holes the line reported. The row being decoded where data is
// missing is bad: it joins the start of one row to the end of a later
// one. The rows the hole held are put back there as bad rows (repeating
// the row above, as the decoder does for a damaged row), as many as its
// octets make at the octets per row of the rows around it, so that the
// page keeps about its height. For the copy quality the hole counts as
// many bad rows as its octets could have held at the sparsest stretch of
// the page, which may exceed the rows put back (Stats.BadRows counts
// missing rows too): the number of rows lost is not known, and a page
// judged on a guess that is too low would be confirmed short.
func decodeWithLosses(data []byte, o pages.DecoderOptions, losses []dataLoss) (*pages.Page, pages.Stats, error) {
	if len(losses) == 0 {
		return pages.Decode(bytes.NewReader(data), o)
	}
	if _, err := pages.NewDecoder(bytes.NewReader(nil), o); err != nil {
		return nil, pages.Stats{}, err // options no decoder takes
	}
	pix, rows, endMarker, err := decodeRows(data, o, len(losses))
	stride := (o.Width + 7) / 8
	a := lossAccount{rows: rows, room: max(pages.MaxHeight-len(rows), 0)}
	a.sparsest = a.sparsestStretch()
	above := make([]byte, stride) // white above the first row
	li := 0
	for i, rw := range rows {
		bad := rw.bad
		for ; li < len(losses) && losses[li].at < rw.end; li++ {
			bad = true
			a.hole(above, i, losses[li])
		}
		above = pix[i*stride : (i+1)*stride]
		a.add(above, bad)
	}
	for ; li < len(losses); li++ {
		a.hole(above, len(rows), losses[li]) // after the last row
	}
	a.st.EndMarker = endMarker
	return &pages.Page{Width: o.Width, Height: a.st.Rows, Stride: stride, Pix: a.pix}, a.st, err
}

// decodeRows decodes the rows of page data, noting where each ends in
// the data and whether it was bad. A hole can join the bits of two rows
// into two EOLs in a row, which the decoder takes for RTC (T.4 4.1.4):
// when data is left after it, decoding starts again there, up to once
// per hole (restarts). A fatal error (the size limit) ends the rows.
func decodeRows(data []byte, o pages.DecoderOptions, restarts int) (pix []byte, rows []decodedRow, endMarker bool, err error) {
	row := make([]byte, (o.Width+7)/8)
	base := int64(0)
	for {
		d, err := pages.NewDecoder(bytes.NewReader(data[base:]), o)
		if err != nil {
			return pix, rows, endMarker, err
		}
		for {
			before := d.Stats().BadRows
			if err := d.ReadRow(row); err == io.EOF {
				break
			} else if err != nil {
				return pix, rows, d.Stats().EndMarker, err
			}
			pix = append(pix, row...)
			rows = append(rows, decodedRow{end: base + d.Offset(), bad: d.Stats().BadRows > before})
		}
		endMarker = d.Stats().EndMarker
		next := base + d.Offset()
		if !endMarker || restarts == 0 || next >= int64(len(data)) || next <= base || len(rows) >= pages.MaxHeight {
			return pix, rows, endMarker, nil
		}
		base = next
		restarts--
	}
}

// lossAccount builds a page and its Stats row by row.
type lossAccount struct {
	rows     []decodedRow
	sparsest float64 // the fewest octets per row over densityRows rows
	room     int     // rows that may still be put back
	pix      []byte
	st       pages.Stats
	run      int
}

// densityRows is how many decoded rows on each side of a hole give the
// octets per row its rows are estimated with: rows of text take many
// more octets than white ones.
const densityRows = 4

// octets returns the octets of decoded rows lo to hi-1, clipped to the
// page, and how many rows that is.
func (a *lossAccount) octets(lo, hi int) (int64, int) {
	lo, hi = max(lo, 0), min(hi, len(a.rows))
	if lo >= hi {
		return 0, 0
	}
	start := int64(0)
	if lo > 0 {
		start = a.rows[lo-1].end
	}
	return a.rows[hi-1].end - start, hi - lo
}

// mean returns the octets per row of decoded rows lo to hi-1 (+Inf when
// there are none).
func (a *lossAccount) mean(lo, hi int) float64 {
	o, n := a.octets(lo, hi)
	if n == 0 {
		return math.Inf(1)
	}
	return max(float64(o)/float64(n), 1)
}

// perRow estimates the octets per row of the rows lost in a hole in the
// data of decoded row i, from the rows just before and just after it
// (row i itself joins two rows: it is neither).
func (a *lossAccount) perRow(i int) float64 {
	o1, n1 := a.octets(i-densityRows, i)
	o2, n2 := a.octets(i+1, i+1+densityRows)
	if n1+n2 == 0 {
		return a.mean(0, len(a.rows))
	}
	return max(float64(o1+o2)/float64(n1+n2), 1)
}

// sparsestStretch returns the fewest octets per row over densityRows
// consecutive rows of the page: rows lost in a hole take at least that
// many each, most likely (white rows).
func (a *lossAccount) sparsestStretch() float64 {
	m := a.mean(0, len(a.rows))
	for i := densityRows; i <= len(a.rows); i++ {
		m = min(m, a.mean(i-densityRows, i))
	}
	return m
}

func (a *lossAccount) add(row []byte, bad bool) {
	a.pix = append(a.pix, row...)
	a.st.Rows++
	if !bad {
		a.run = 0
		return
	}
	a.bad(1)
}

// bad counts n more bad rows in the current run.
func (a *lossAccount) bad(n int) {
	a.run += n
	a.st.BadRows += n
	a.st.MaxConsecutiveBad = max(a.st.MaxConsecutiveBad, a.run)
}

// hole accounts for hole l in the data of decoded row i: it puts back
// the rows it is estimated to have held, bad and repeating row, and
// counts as bad as many rows as it could have held, at least one.
func (a *lossAccount) hole(row []byte, i int, l dataLoss) {
	if math.IsInf(a.sparsest, 1) { // no row decoded: the page is bad anyway
		a.bad(1)
		return
	}
	n := min(int(math.Round(float64(l.octets)/a.perRow(i))), a.room)
	for range n {
		a.add(row, true)
	}
	a.room -= n
	if most := int(math.Ceil(float64(l.octets) / a.sparsest)); most > n {
		a.bad(most - n)
	} else if n == 0 {
		a.bad(1)
	}
}
