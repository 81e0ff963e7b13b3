package api_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/events"
	"faxbox/firmware/store"
	"faxbox/pages"
	"faxbox/t30"
)

// rxPage is page n of a received test fax: n bars, then a pattern.
func rxPage(t *testing.T, n int) *pages.Page {
	t.Helper()
	p, err := pages.NewPage(pages.WidthA4, 300)
	if err != nil {
		t.Fatal(err)
	}
	p.XDPI, p.YDPI = 204, 196
	for i := range n {
		for y := 10; y < 30; y++ {
			for x := 100 + 40*i; x < 120+40*i; x++ {
				p.Set(x, y, true)
			}
		}
	}
	for y := 50; y < 280; y++ {
		for x := 60; x < pages.WidthA4-60; x += 3 + n {
			p.Set(x, y, true)
		}
	}
	return p
}

// receive stores a fax of doc as the daemon does (each page a TIFF-F in
// MR under received/), routed to user (0: all staff).
func (e *env) receive(t *testing.T, user int64, ident string, doc []*pages.Page) store.Received {
	t.Helper()
	ctx := context.Background()
	var r store.Received
	for i, pg := range doc {
		var buf bytes.Buffer
		tw, err := pages.NewTIFFWriter(&buf, 0)
		if err != nil {
			t.Fatal(err)
		}
		err = daemon.WriteReceivedPage(tw, t30.ReceivedPage{Number: i + 1, Page: pg, Stats: pages.Stats{Rows: pg.Height},
			Params: t30.Params{Coding: t30.CodingMR}})
		if err == nil {
			err = tw.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		rel := filepath.Join("received", fmt.Sprintf("%s-%d", ident, user), fmt.Sprintf("page-%d.tif", i+1))
		if err := os.MkdirAll(filepath.Join(e.dir, filepath.Dir(rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		_, sum, err := store.WriteFile(filepath.Join(e.dir, rel), &buf, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		p := store.ReceivedPage{File: store.PageFile{Index: i + 1, Path: rel, SHA256: sum},
			Quality: store.PageQuality{Index: i + 1, Rows: pg.Height, BadRows: i}}
		if i == 0 {
			r, err = e.st.StartReceived(ctx, store.Incoming{Modem: "sim0", CallerIdent: ident, CallerID: "3225559999", User: user}, p)
		} else {
			err = e.st.AddReceivedPage(ctx, r.ID, p)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return r
}

type inboxFax struct {
	ID        int64  `json:"id"`
	Pages     int    `json:"pages"`
	Receiving bool   `json:"receiving"`
	Partial   bool   `json:"partial"`
	Ident     string `json:"caller_ident"`
	CallerID  string `json:"caller_id"`
	User      int64  `json:"user"`
	PDF       string `json:"pdf"`
	TIFF      string `json:"tiff"`
	PageList  []struct {
		Index   int    `json:"index"`
		Image   string `json:"image"`
		BadRows int    `json:"bad_rows"`
	} `json:"page_list"`
}

// TestInbox: staff list the faxes routed to them and to all staff, not
// another user's; the pages come back as PNG, PDF and a TIFF-F whose
// pages are those received, in the coding they came in.
func TestInbox(t *testing.T) {
	e := newEnv(t, 10*billing.Unit)
	alice := e.users[token]
	doc := []*pages.Page{rxPage(t, 1), rxPage(t, 2)}
	forAlice := e.receive(t, alice.ID, "ACME", doc)
	forAll := e.receive(t, 0, "ALL", doc[:1])
	if _, err := e.st.FinishReceived(context.Background(), forAll.ID, store.ReceivedEnd{Partial: true, Duration: time.Second}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		tok  string
		want string
	}{{token, fmt.Sprint([]int64{forAll.ID, forAlice.ID})}, {bobToken, fmt.Sprint([]int64{forAll.ID})},
		{adminToken, fmt.Sprint([]int64{forAll.ID, forAlice.ID})}} {
		var list struct{ Faxes []inboxFax }
		if code := e.doAs(t, tc.tok, "GET", "/api/inbox", "", nil, &list); code != http.StatusOK {
			t.Fatalf("list: %d", code)
		}
		var ids []int64
		for _, f := range list.Faxes {
			ids = append(ids, f.ID)
		}
		if fmt.Sprint(ids) != tc.want {
			t.Errorf("%s sees %v, want %s", e.users[tc.tok].Name, ids, tc.want)
		}
	}

	var f inboxFax
	path := fmt.Sprintf("/api/inbox/%d", forAlice.ID)
	if code := e.do(t, "GET", path, "", nil, &f); code != http.StatusOK {
		t.Fatalf("get: %d", code)
	}
	if f.Pages != 2 || !f.Receiving || f.Partial || f.Ident != "ACME" || f.CallerID != "3225559999" || f.User != alice.ID ||
		len(f.PageList) != 2 || f.PageList[1].BadRows != 1 || f.PageList[1].Image != path+"/pages/2.png" {
		t.Fatalf("%+v", f)
	}
	if code := e.doAs(t, bobToken, "GET", path, "", nil, nil); code != http.StatusNotFound {
		t.Fatalf("bob got alice's fax: %d", code)
	}
	if code, _, _ := e.fetch(t, bobToken, path+"/fax.pdf"); code != http.StatusNotFound {
		t.Fatalf("bob got alice's PDF: %d", code)
	}

	code, ct, body := e.fetch(t, token, f.PageList[1].Image)
	if code != http.StatusOK || ct != "image/png" {
		t.Fatalf("page: %d %s", code, ct)
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil || img.Bounds().Dx() != pages.WidthA4 {
		t.Fatalf("page PNG: %v %v", img.Bounds(), err)
	}
	if code, _, _ := e.fetch(t, token, path+"/pages/3.png"); code != http.StatusNotFound {
		t.Fatalf("page 3 of 2: %d", code)
	}
	code, ct, body = e.fetch(t, token, f.PDF)
	if code != http.StatusOK || ct != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) ||
		!bytes.Contains(body, []byte("%%EOF")) {
		t.Fatalf("pdf: %d %s %q", code, ct, body[:min(len(body), 40)])
	}
	code, ct, body = e.fetch(t, token, f.TIFF)
	if code != http.StatusOK || ct != "image/tiff" {
		t.Fatalf("tiff: %d %s", code, ct)
	}
	tf, err := pages.OpenTIFF(bytes.NewReader(body), int64(len(body)))
	if err != nil || len(tf.Pages) != 2 {
		t.Fatalf("tiff: %v", err)
	}
	for i := range doc {
		if tf.Pages[i].Coding != pages.MR {
			t.Errorf("page %d coded %v, want MR as received", i+1, tf.Pages[i].Coding)
		}
		pg, _, err := tf.Decode(i)
		if err != nil || !pg.Equal(doc[i]) {
			t.Fatalf("tiff page %d differs from the page received (%v)", i+1, err)
		}
	}
}

// TestInboxEvents: the event stream shows a fax's events to the user it
// is routed to, and those of a fax for all staff to everyone.
func TestInboxEvents(t *testing.T) {
	e := newEnv(t, 10*billing.Unit)
	alice := e.users[token]
	bobC, _, err := e.dialEvents(t, bobToken, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	aliceC, _, err := e.dialEvents(t, token, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	forAlice := e.receive(t, alice.ID, "ACME", []*pages.Page{rxPage(t, 1), rxPage(t, 2)})
	forAll := e.receive(t, 0, "ALL", []*pages.Page{rxPage(t, 1)})
	kinds := func(fs []frame) string {
		var s []string
		for _, f := range fs {
			p, err := events.Decode(f.Kind, f.Data)
			if err != nil {
				t.Fatal(err)
			}
			s = append(s, fmt.Sprintf("%s:%d", f.Kind, p.(events.ReceivedPageEvent).Received))
		}
		return strings.Join(s, " ")
	}
	page := events.KindReceivedPage
	if got, want := kinds(readLogFrames(t, aliceC, 3)), fmt.Sprintf("%s:%d %s:%d %s:%d", page, forAlice.ID, page, forAlice.ID, page, forAll.ID); got != want {
		t.Errorf("alice got %s, want %s", got, want)
	}
	if got, want := kinds(readLogFrames(t, bobC, 1)), fmt.Sprintf("%s:%d", page, forAll.ID); got != want {
		t.Errorf("bob got %s, want %s", got, want)
	}
}
