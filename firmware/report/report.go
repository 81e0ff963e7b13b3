// Package report makes transmission reports: the one-page PDF a fax
// machine prints after a job, which offices keep as proof of sending. A
// report names the sending station (number and ident), the sender, the
// number dialled and the remote's ident (its CSI, T.30 5.3.6.2.4), each
// attempt's start, metered duration and result, the pages sent and
// confirmed, the rate, coding and error correction, and a reduced image of
// the first page.
//
// The package only lays out what it is given: it does not read the store,
// the ledger or page files (see FromStore for the store's types), and it
// does not send or attach the report.
package report

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"faxbox/pages"
	"faxbox/pages/render"
)

// Station is the sending fax station: the appliance.
type Station struct {
	Name   string // the organisation, e.g. "Dupont & Fils"
	Number string // our fax number, e.g. "+32 2 555 01 00"
	Ident  string // our TSI as sent to the remote
}

// Attempt is one call made for the job.
type Attempt struct {
	Number      int // 1-based
	Started     time.Time
	Metered     time.Duration // what the meter counted for the call
	Line        string        // the modem or line it went out on
	Result      string        // in plain words, e.g. "Delivered" or "The line was busy."
	Pages       int           // pages the remote confirmed in this call
	BitRate     int           // bit/s; 0 if never trained
	Coding      string        // "MH", "MR", "MMR"
	ECM         bool
	RemoteIdent string
	Charge      string // what the call cost, formatted with its currency; may be empty
}

// Job is everything a transmission report shows.
type Job struct {
	Station        Station
	Sender         string // who sent it (display name)
	Subject        string
	Number         string // the number dialled, as the user reads it
	RecipientName  string // contact or company, may be empty
	Outcome        string // "Delivered", "Failed", "Cancelled", "In progress"
	Submitted      time.Time
	PagesTotal     int
	PagesConfirmed int
	Attempts       []Attempt
	// FirstPage is the first page as sent; nil if it is not available
	// (the report says so).
	FirstPage *pages.Page
	// Generated is when the report was made; Location is the time zone
	// its times are printed in (UTC when nil).
	Generated time.Time
	Location  *time.Location
}

// ErrInvalid is returned for a Job a report cannot be made of.
var ErrInvalid = errors.New("report: invalid job")

// thumbWidth is the reduced first page's width in pixels; it is drawn
// thumbWidthPt points wide (about 62 mm).
const (
	thumbWidth   = 360
	thumbWidthPt = 175.0
)

// Write writes j's transmission report to w as a one-page A4 PDF.
func Write(w io.Writer, j Job) error {
	if j.Number == "" {
		return fmt.Errorf("%w: no number dialled", ErrInvalid)
	}
	loc := j.Location
	if loc == nil {
		loc = time.UTC
	}
	d := newDoc()
	y := j.header(d, loc)
	y = j.attemptTable(d, y-14, loc)
	j.firstPage(d, y-18)
	return d.write(w, pdfMeta{Title: "Transmission report: " + j.Number, Created: j.Generated})
}

// header draws the title and the summary; it returns the y below it.
func (j Job) header(d *doc, loc *time.Location) float64 {
	d.text(fontBold, 18, marginL, 790, "Transmission report")
	d.text(fontRegular, 9, marginL, 774, "Made "+stamp(j.Generated, loc))
	rows := [][2]string{
		{"Result", fmt.Sprintf("%s: %d of %d pages confirmed", orDash(j.Outcome), j.PagesConfirmed, j.PagesTotal)},
		{"From", join(j.Station.Name, j.Station.Number, quoted(j.Station.Ident))},
		{"Sender", j.Sender},
		{"To", join(j.RecipientName, j.Number)},
		{"Remote ident", remoteIdent(j.Attempts)},
		{"Subject", j.Subject},
		{"Submitted", stamp(j.Submitted, loc)},
		{"Line time", fmt.Sprintf("%s in %d call%s", seconds(j.metered()), len(j.Attempts), plural(len(j.Attempts)))},
	}
	y := 746.0
	for _, r := range rows {
		d.text(fontBold, 10, marginL, y, r[0])
		d.text(fontRegular, 10, marginL+90, y, clip(orDash(r[1]), 80))
		y -= 15
	}
	return y
}

// attemptTable draws one row per attempt in a fixed-width font; it
// returns the y below the table.
func (j Job) attemptTable(d *doc, y float64, loc *time.Location) float64 {
	d.text(fontBold, 11, marginL, y, "Attempts")
	y -= 15
	d.text(fontMonoBold, 8, marginL, y, fmt.Sprintf(tableFormat, "#", "Started", "Metered", "Line", "Rate", "Coding", "Pages", "Remote ident", "Charge"))
	y -= 11
	if len(j.Attempts) == 0 {
		d.text(fontRegular, 9, marginL, y, "No call has been made yet.")
		return y - 11
	}
	for _, a := range j.Attempts {
		d.text(fontMono, 8, marginL, y, a.row(loc))
		y -= 10
		d.text(fontRegular, 8, marginL+12, y, clip(orDash(a.Result), 110))
		y -= 13
		if y < 300 { // keep room for the first page's image
			d.text(fontRegular, 8, marginL, y, fmt.Sprintf("... and %d more attempts, listed in the call statement.", len(j.Attempts)-a.Number))
			return y - 11
		}
	}
	return y
}

const tableFormat = "%-3s %-19s %-8s %-10s %-6s %-9s %-5s %-22s %s"

func (a Attempt) row(loc *time.Location) string {
	rate, coding := "-", "-"
	if a.BitRate > 0 {
		rate = strconv.Itoa(a.BitRate)
		coding = a.Coding
		if a.ECM {
			coding += " ECM"
		}
	}
	return fmt.Sprintf(tableFormat, strconv.Itoa(a.Number), stamp(a.Started, loc), seconds(a.Metered),
		clip(orDash(a.Line), 10), rate, orDash(coding), strconv.Itoa(a.Pages), clip(orDash(a.RemoteIdent), 22), a.Charge)
}

// firstPage draws the reduced first page below y, or says it is missing.
func (j Job) firstPage(d *doc, y float64) {
	d.text(fontBold, 11, marginL, y, "First page")
	if j.FirstPage == nil || j.FirstPage.Width == 0 {
		d.text(fontRegular, 9, marginL, y-15, "The first page is no longer available.")
		return
	}
	g := render.Thumbnail(j.FirstPage, thumbWidth)
	w := thumbWidthPt
	h := w * float64(g.Rect.Dy()) / float64(g.Rect.Dx())
	if top := y - 8; top-h < 40 { // fit above the bottom margin
		h = top - 40
		w = h * float64(g.Rect.Dx()) / float64(g.Rect.Dy())
	}
	d.image(g, marginL, y-8-h, w, h)
}

func (j Job) metered() time.Duration {
	var t time.Duration
	for _, a := range j.Attempts {
		t += a.Metered
	}
	return t
}

// remoteIdent is the ident of the last attempt that received one.
func remoteIdent(as []Attempt) string {
	for i := len(as) - 1; i >= 0; i-- {
		if as[i].RemoteIdent != "" {
			return quoted(as[i].RemoteIdent)
		}
	}
	return ""
}

func stamp(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("2006-01-02 15:04:05")
}

// seconds formats a duration as the meter counts it, to the tenth of a
// second: "39.7 s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
}

func quoted(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return `"` + strings.TrimSpace(s) + `"`
}

func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// clip shortens s to at most n characters, marking the cut.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-3]) + "..."
	}
	return s
}
