package ui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// sipPage renders GET /api/modems' "sip" with the administration page's
// sipAccounts, as admin.js does below the modems.
const sipPage = `<!doctype html><meta charset="utf-8"><div id="out"></div>
<script type="module">
import { sipAccounts } from './sip.js';
const res = await (await fetch('/modems.json')).json();
document.getElementById('out').append(sipAccounts(res.sip));
document.body.dataset.done = '1';
</script>`

// sipModems is GET /api/modems of an appliance with two SIP accounts.
const sipModems = `{"modems": [{"name": "sip0/1", "state": "calling", "calls": 1, "account": "sip0"}],
 "sip": [
  {"name": "sip0", "registrar": "pbx.example.com", "user": "fax", "state": "registered", "expires": 600,
   "next_register": "2026-12-07T20:09:00Z", "lines": ["sip0/1", "sip0/2"], "calls": 1},
  {"name": "sip1", "registrar": "trunk.example.net", "user": "4420", "state": "failing", "reason": "auth-failed",
   "status": 403, "error": "Forbidden", "lines": ["sip1/1"], "calls": 0}]}`

// TestSIPAccountsRendered: chromium renders the SIP accounts of the
// administration page (ui/web/sip.js) from GET /api/modems: each
// account's registration, why it fails and its calls in progress.
func TestSIPAccountsRendered(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("Debian's chromium is needed (apt-get install chromium; make test installs it): %v", err)
	}
	files := http.FileServer(http.Dir("web"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sip.html":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(sipPage))
		case "/modems.json":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(sipModems))
		default:
			files.ServeHTTP(w, r)
		}
	}))
	defer srv.Close()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-component-update", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sip.html"),
		chromedp.Poll[chromedp.Void](`document.body.dataset.done === '1'`, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#sip-accounts tbody tr')].map((r) => r.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	states, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#sip-accounts .badge')].map((b) => b.dataset.state)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || strings.Join(states, ",") != "registered,failing" {
		t.Fatalf("rows %q, states %q", rows, states)
	}
	for i, want := range [][]string{
		{"sip0", "fax@pbx.example.com", "registered", "1 of 2 lines"},
		{"sip1", "4420@trunk.example.net", "failing", "auth-failed · SIP 403 · Forbidden", "0 of 1 lines"},
	} {
		for _, w := range want {
			if !strings.Contains(rows[i], w) {
				t.Errorf("row %d %q lacks %q", i, rows[i], w)
			}
		}
	}
}
