package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"faxbox/firmware/store"
	"faxbox/pages/render"
)

// The inbox: the faxes received on the modems (package daemon stores them
// page by page as they arrive).
//
//	GET /api/inbox                    ?before=ID&limit=N, newest first
//	GET /api/inbox/{id}               a fax with its pages, partial flag and quality
//	GET /api/inbox/{id}/pages/{n}.png a page
//	GET /api/inbox/{id}/fax.pdf       the fax as a PDF
//	GET /api/inbox/{id}/fax.tif       the fax as a TIFF Class F, coded as it was received
//
// Reading, assigning, forwarding and deleting are inbox_actions.go's.
//
// Staff see the faxes routed to them and those routed to all staff; the
// others are answered 404. Administrators see all. The event stream shows
// events.KindReceivedPage and events.KindReceived events to the same
// users (ownerCache.visible in events.go).

// receivedJSON is a fax of the inbox.
type receivedJSON struct {
	ID          int64      `json:"id"`
	ReceivedAt  *time.Time `json:"received_at,omitempty"`
	Modem       string     `json:"modem"`
	CallerIdent string     `json:"caller_ident,omitempty"` // the caller's TSI
	CallerID    string     `json:"caller_id,omitempty"`    // the line's caller ID
	Pages       int        `json:"pages"`
	Receiving   bool       `json:"receiving,omitempty"` // the call is in progress
	Partial     bool       `json:"partial,omitempty"`   // the call ended before the end of the document
	Quality     string     `json:"quality,omitempty"`
	Seconds     float64    `json:"seconds"`
	User        int64      `json:"user,omitempty"` // the user it is routed to; absent for all staff
	Reason      string     `json:"reason,omitempty"`
	ReasonText  string     `json:"reason_text,omitempty"`
	BitRate     int        `json:"bit_rate,omitempty"`
	ECM         bool       `json:"ecm,omitempty"`
	Coding      string     `json:"coding,omitempty"`
	PDF         string     `json:"pdf"`
	TIFF        string     `json:"tiff"`
	// PageList is filled in by GET /api/inbox/{id}.
	PageList []receivedPageJSON `json:"page_list,omitempty"`
	// Caller is who sent it, as the address book knows the line's caller
	// ID or else the remote's ident (names.go).
	Caller whoJSON `json:"caller"`
	// Read: the principal has read it (inbox_actions.go); in listings.
	Read bool `json:"read"`
}

// receivedPageJSON is a page of a received fax.
type receivedPageJSON struct {
	Index             int    `json:"index"`
	Image             string `json:"image"` // the URL of its PNG
	Rows              int    `json:"rows"`
	BadRows           int    `json:"bad_rows"`
	MaxConsecutiveBad int    `json:"max_consecutive_bad"`
}

// receivedView is r with who sent it.
func (s *Server) receivedView(ctx context.Context, r store.Received) receivedJSON {
	v := receivedFields(r)
	v.Caller = s.who(ctx, r.CallerID, r.CallerIdent)
	return v
}

func receivedFields(r store.Received) receivedJSON {
	base := fmt.Sprintf("/api/inbox/%d/", r.ID)
	v := receivedJSON{ID: r.ID, ReceivedAt: ts(r.At), Modem: r.Modem, CallerIdent: r.CallerIdent, CallerID: r.CallerID,
		Pages: r.Pages, Receiving: r.Receiving, Partial: r.Partial, Quality: r.Quality, Seconds: r.Duration.Seconds(),
		User: r.User, Reason: r.Call.ReasonCode, ReasonText: r.Call.ReasonText, BitRate: r.Call.BitRate,
		ECM: r.Call.ECM, Coding: r.Call.Coding, PDF: base + "fax.pdf", TIFF: base + "fax.tif"}
	for i, f := range r.Files {
		p := receivedPageJSON{Index: f.Index, Image: fmt.Sprintf("%spages/%d.png", base, f.Index)}
		if i < len(r.PageQuality) && r.PageQuality[i].Index == f.Index {
			q := r.PageQuality[i]
			p.Rows, p.BadRows, p.MaxConsecutiveBad = q.Rows, q.BadRows, q.MaxConsecutiveBad
		}
		v.PageList = append(v.PageList, p)
	}
	return v
}

// listOptions reads ?before=ID&limit=N; false when it answered a bad
// request.
func listOptions(w http.ResponseWriter, r *http.Request) (store.ListOptions, bool) {
	var o store.ListOptions
	if v := r.URL.Query().Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("before=%q: want an id", v))
			return o, false
		}
		o.Before = n
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit=%q: want 1 to 500", v))
			return o, false
		}
		o.Limit = n
	}
	return o, true
}

// listInbox implements GET /api/inbox.
func (s *Server) listInbox(w http.ResponseWriter, r *http.Request) {
	o, ok := listOptions(w, r)
	if !ok {
		return
	}
	rs, err := s.cfg.Store.ListInbox(r.Context(), inboxUser(principal(r)), o)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := principal(r)
	ids := make([]int64, len(rs))
	for i, x := range rs {
		ids[i] = x.ID
	}
	read, err := s.cfg.Store.ReadBy(r.Context(), p.User.ID, ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	unread, err := s.cfg.Store.Unread(r.Context(), p.User.ID, inboxUser(p))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]receivedJSON, 0, len(rs))
	for _, x := range rs {
		v := s.receivedView(r.Context(), x)
		v.Read = read[x.ID]
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"faxes": out, "unread": unread})
}

// mayRead reports whether p may see a fax routed to user (0: all staff).
func mayRead(p Principal, user int64) bool {
	return p.Admin || user == 0 || user == p.User.ID
}

// ownReceived returns the fax of the path's {id} if the principal may see
// it; false when it answered.
func (s *Server) ownReceived(w http.ResponseWriter, r *http.Request) (store.Received, bool) {
	id, ok := pathID(w, r)
	if !ok {
		return store.Received{}, false
	}
	rx, err := s.cfg.Store.GetReceived(r.Context(), id)
	if err == nil && !mayRead(principal(r), rx.User) {
		err = fmt.Errorf("%w: received fax %d", store.ErrNotFound, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return rx, false
	}
	return rx, true
}

// getReceived implements GET /api/inbox/{id}.
func (s *Server) getReceived(w http.ResponseWriter, r *http.Request) {
	if rx, ok := s.ownReceived(w, r); ok {
		v := s.receivedView(r.Context(), rx)
		read, err := s.cfg.Store.ReadBy(r.Context(), principal(r).User.ID, []int64{rx.ID})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Read = read[rx.ID]
		writeJSON(w, http.StatusOK, v)
	}
}

// receivedPage implements GET /api/inbox/{id}/pages/{n}.png.
func (s *Server) receivedPage(w http.ResponseWriter, r *http.Request) {
	rx, ok := s.ownReceived(w, r)
	if !ok {
		return
	}
	n, ok := pageNumber(w, r.PathValue("page"), len(rx.Files))
	if !ok {
		return
	}
	pg, err := s.loadPage(rx.Files[n-1])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := render.WriteThumbnailPNG(&buf, pg, pg.Width); err != nil {
		s.fail(w, r, err)
		return
	}
	if rx.Receiving {
		w.Header().Set("Cache-Control", "private, no-store")
	}
	writePNG(w, buf.Bytes())
}

// receivedPDF implements GET /api/inbox/{id}/fax.pdf.
func (s *Server) receivedPDF(w http.ResponseWriter, r *http.Request) {
	rx, ok := s.ownReceived(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := s.cfg.Store.ReceivedPDF(r.Context(), &buf, rx); err != nil {
		s.fail(w, r, err)
		return
	}
	writeFile(w, "application/pdf", s.receivedName(r.Context(), rx, ".pdf"), buf.Bytes())
}

// receivedTIFF implements GET /api/inbox/{id}/fax.tif: the pages' coded
// data as received (MH, MR or MMR), in one multipage TIFF Class F.
func (s *Server) receivedTIFF(w http.ResponseWriter, r *http.Request) {
	rx, ok := s.ownReceived(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := s.cfg.Store.ReceivedTIFF(&buf, rx); err != nil {
		s.fail(w, r, err)
		return
	}
	writeFile(w, "image/tiff", s.receivedName(r.Context(), rx, ".tif"), buf.Bytes())
}

// writeFile answers with a download.
func writeFile(w http.ResponseWriter, contentType, name string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	setDownload(w, name)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}
