package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"faxbox/firmware/store"
	"faxbox/internal/datadir"
	"faxbox/modem"
	"faxbox/pages"
	"faxbox/t30"
)

// ReceivedDir is the directory, under the store's, where received faxes
// are kept: one subdirectory per call, one TIFF-F file per page. The
// store's retention sweep cleans it.
const ReceivedDir = "received"

// WriteReceivedPage adds a page that the called station received to a
// TIFF Class F file being written, coded as the caller sent it (MH, MR or
// MMR, as its DCS said) and with the rows the decoder could not read in
// the BadFaxLines and ConsecutiveBadFaxLines tags. It is how every
// received page is kept: by the daemon, `faxd receive` and the demo's
// remote fax machine.
func WriteReceivedPage(tw *pages.TIFFWriter, p t30.ReceivedPage) error {
	if p.Page == nil || p.Page.Height == 0 {
		return fmt.Errorf("daemon: received page %d has no rows", p.Number)
	}
	o := pages.EncoderOptions{Coding: pages.MH, Width: p.Page.Width}
	switch p.Params.Coding {
	case t30.CodingMR:
		o.Coding, o.K = pages.MR, 4
		if pages.ResolutionOf(p.Page.YDPI) == pages.Standard {
			o.K = 2
		}
	case t30.CodingMMR:
		o.Coding, o.RTC = pages.MMR, true // libtiff ends MMR strips with EOFB
	}
	data, err := pages.Encode(p.Page, o)
	if err != nil {
		return fmt.Errorf("daemon: received page %d: %w", p.Number, err)
	}
	xd, yd := p.Page.XDPI, p.Page.YDPI
	if xd == 0 || yd == 0 {
		xd, yd = pages.Fine.DPI()
	}
	return tw.WriteCoded(data, pages.PageInfo{Width: p.Page.Width, Height: p.Page.Height, XDPI: xd, YDPI: yd,
		Coding: o.Coding, BadRows: p.Stats.BadRows, MaxConsecutiveBad: p.Stats.MaxConsecutiveBad})
}

// receive answers the call that rang (r) and receives a fax into the
// store, page by page; it reports whether the modem failed. Receiving
// costs no credit: the ledger is not involved.
func (w *worker) receive(ctx context.Context, r modem.Ring) (modemFailed bool) {
	cfg := &w.pool.cfg
	w.setState(ModemReceiving, 0, nil)
	log := w.log.With("caller_id", r.CallerID.Number)
	log.Info("answering an incoming call", "rings", r.Count)
	rx := &reception{w: w, ctx: context.WithoutCancel(ctx), log: log, callerID: r.CallerID.Number}
	opts := cfg.Fax
	opts.MaxDuration = 0
	next := opts.OnEvent
	opts.OnEvent = func(e t30.Event) {
		rx.event(e)
		if next != nil {
			next(e)
		}
	}
	opts.OnPage = rx.page
	res := t30.Receive(ctx, w.modem, opts)
	rx.finish(res)
	if res.Reason == t30.ReasonModem {
		log.Warn("modem failed during an incoming call", "err", res.Err)
		w.setState(ModemOutOfOrder, 0, res.Err)
		return true
	}
	return false
}

// reception is an incoming call being received into the store. Its
// methods run on the call's goroutine (the engine's OnEvent and OnPage).
type reception struct {
	w          *worker
	ctx        context.Context // not cancelled by shutdown: what arrived is recorded
	log        *slog.Logger
	callerID   string
	ident      string // the caller's TSI
	negotiated bool   // a DCS came: a fax machine called
	dir        string // the call's directory, relative to the store's; "" until the first page
	id         int64  // the store's fax; 0 until the first page is recorded
	user       int64  // the user it is routed to; 0 for all staff
	bad        []string
}

func (rx *reception) event(e t30.Event) {
	switch e := e.(type) {
	case t30.RemoteIdent:
		rx.ident = strings.TrimSpace(e.Ident)
	case t30.Negotiated:
		rx.negotiated = true
	}
}

// page stores a page the engine is about to confirm: its file written and
// fsynced, then its record committed, before the engine answers MCF. An
// error makes the engine answer RTN, and the caller sends the page again.
func (rx *reception) page(p t30.ReceivedPage) error {
	st := rx.w.pool.cfg.Store
	if rx.dir == "" {
		if err := os.MkdirAll(filepath.Join(st.Dir(), ReceivedDir), datadir.DirMode); err != nil {
			return fmt.Errorf("daemon: storing a received page: %w", err)
		}
		d, err := os.MkdirTemp(filepath.Join(st.Dir(), ReceivedDir), time.Now().UTC().Format("20060102-150405-"))
		if err != nil {
			return fmt.Errorf("daemon: storing a received page: %w", err)
		}
		rx.dir = filepath.Join(ReceivedDir, filepath.Base(d))
	}
	var buf bytes.Buffer
	tw, err := pages.NewTIFFWriter(&buf, 0)
	if err == nil {
		err = WriteReceivedPage(tw, p)
	}
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		return err
	}
	rel := filepath.Join(rx.dir, fmt.Sprintf("page-%03d.tif", p.Number))
	_, sum, err := store.WriteFile(filepath.Join(st.Dir(), rel), &buf, datadir.FileMode)
	if err != nil {
		rx.log.Error("storing a received page", "page", p.Number, "err", err)
		return err
	}
	rp := store.ReceivedPage{File: store.PageFile{Index: p.Number, Path: rel, SHA256: sum},
		Quality: store.PageQuality{Index: p.Number, Rows: p.Stats.Rows, BadRows: p.Stats.BadRows,
			MaxConsecutiveBad: p.Stats.MaxConsecutiveBad}}
	if err := rx.record(rp); err != nil {
		rx.log.Error("recording a received page", "page", p.Number, "err", err)
		return err
	}
	if p.Stats.BadRows > 0 {
		rx.bad = append(rx.bad, fmt.Sprintf("%d on page %d", p.Stats.BadRows, p.Number))
	}
	rx.log.Info("page received", "received", rx.id, "page", p.Number, "rows", p.Stats.Rows, "bad_rows", p.Stats.BadRows)
	return nil
}

// record commits page rp: the first creates the fax in the store, routed
// as the pool's Inbox says.
func (rx *reception) record(rp store.ReceivedPage) error {
	cfg := &rx.w.pool.cfg
	if rx.id != 0 {
		return cfg.Store.AddReceivedPage(rx.ctx, rx.id, rp)
	}
	if name := RouteUser(cfg.Inbox, rx.callerID, rx.ident); name != "" {
		u, err := cfg.Store.UserByName(rx.ctx, name)
		if err != nil {
			rx.log.Warn("the fax goes to all staff: its routing names no user", "user", name, "err", err)
		} else {
			rx.user = u.ID
		}
	}
	r, err := cfg.Store.StartReceived(rx.ctx, store.Incoming{Modem: rx.w.line.Name, CallerIdent: rx.ident,
		CallerID: rx.callerID, User: rx.user}, rp)
	if err != nil {
		return err
	}
	rx.id = r.ID
	rx.w.setReceived(r.ID)
	return nil
}

// finish records how the call ended. A call in which no page arrived
// leaves nothing in the store: it is logged, as "not a fax" when no fax
// machine spoke (a voice call, silence).
func (rx *reception) finish(res t30.Result) {
	if res.RemoteIdent != "" {
		rx.ident = strings.TrimSpace(res.RemoteIdent)
	}
	if rx.id == 0 {
		if !rx.negotiated && !errors.Is(res.Err, context.Canceled) && res.Reason != t30.ReasonModem {
			rx.log.Info("incoming call ended: not a fax", "result", ReasonNotFax, "reason", res.Reason,
				"text", res.Text, "connected", res.Connected)
			return
		}
		rx.log.Info("incoming call ended without a page", "reason", res.Reason, "text", res.Text,
			"ident", rx.ident, "connected", res.Connected)
		return
	}
	quality := "good"
	if len(rx.bad) > 0 {
		quality = "bad lines: " + strings.Join(rx.bad, ", ")
	}
	e := store.ReceivedEnd{CallerIdent: rx.ident, Partial: !res.OK(), Quality: quality, Duration: res.Connected,
		Call: store.ReceivedCall{ReasonCode: string(res.Reason), ReasonText: res.Text, BitRate: res.BitRate,
			ECM: res.ECM, Coding: strings.ToUpper(res.Coding.String())}}
	if res.OK() {
		e.Call.ReasonText = "received"
	}
	if !res.OK() && res.Reason != t30.ReasonPartial {
		e.Call.ReasonText += "; the pages received before were kept"
	}
	r, err := rx.w.pool.cfg.Store.FinishReceived(rx.ctx, rx.id, e)
	if err != nil {
		// Store.RecoverReceived finishes it as partial on the next start.
		rx.log.Error("finishing a received fax", "received", rx.id, "err", err)
		return
	}
	rx.log.Info("fax received", "received", r.ID, "pages", r.Pages, "partial", r.Partial, "ident", r.CallerIdent,
		"user", r.User, "quality", quality, "reason", res.Reason, "connected", res.Connected)
}
