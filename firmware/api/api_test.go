package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/events"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/pages"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox"
)

const (
	token      = "test-token-0123456789" // alice, staff
	bobToken   = "bob-token-0123456789"  // bob, staff
	adminToken = "admin-token-012345678" // carol, administrator
)

// tokens authenticates the test's three users by their bearer tokens.
type tokens map[string]api.Principal

func (ts tokens) Authenticate(r *http.Request) (api.Principal, error) {
	for tok, p := range ts {
		if _, err := (&api.TokenAuth{Token: tok, Principal: p}).Authenticate(r); err == nil {
			return p, nil
		}
	}
	return api.Principal{}, fmt.Errorf("%w: no such token", api.ErrUnauthenticated)
}

// rate is the test tariff: Belgium at 1.20 EUR a minute, per second.
var rate = billing.Rate{Prefix: "32", Name: "Belgium", Currency: billing.EUR, PerMinute: 1_200_000, First: 1, Step: 1}

type env struct {
	dir string
	st  *store.Store
	led *billing.Ledger
	srv *httptest.Server
	api *api.Server
	bus *events.Bus // the ledger's and the API's, as the appliance wires them
	// users by token
	users map[string]store.User
}

// newEnv serves the API over a store and a ledger in a temporary
// directory, with the test tariff and credit topped up.
// Options, when given, change the API's configuration.
func newEnv(t testing.TB, credit billing.Amount, options ...func(*api.Config)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{dir: t.TempDir(), bus: events.NewBus()}
	db := filepath.Join(e.dir, "faxbox.db")
	var err error
	if e.st, err = store.Open(ctx, store.Config{Path: db, MaxAttempts: 3}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	if e.led, err = billing.Open(ctx, billing.Config{Path: db, Bus: e.bus}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.led.Close() })
	tab, err := billing.NewTable(billing.EUR, []billing.Rate{rate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.led.SetTariff(ctx, tab, time.Now().Add(-time.Hour), "test", "test tariff"); err != nil {
		t.Fatal(err)
	}
	if credit > 0 {
		if _, err := e.led.TopUp(ctx, credit, "admin:test", "test credit"); err != nil {
			t.Fatal(err)
		}
	}
	auth := tokens{}
	e.users = map[string]store.User{}
	for tok, name := range map[string]string{token: "alice", bobToken: "bob", adminToken: "carol"} {
		u, err := e.st.CreateUser(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		auth[tok] = api.Principal{User: u, Admin: tok == adminToken}
		e.users[tok] = u
	}
	p, err := numbers.NewParser("BE")
	if err != nil {
		t.Fatal(err)
	}
	cfg := api.Config{Store: e.st, Ledger: e.led, Renderer: sandbox.NewDirect(render.Options{}), Numbers: p,
		Auth: auth, From: render.Party{Organisation: "Test office", Fax: "+3225550100"}, Bus: e.bus}
	for _, o := range options {
		o(&cfg)
	}
	h, err := api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.api = h
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	t.Cleanup(h.Close)
	return e
}

// do sends a request with the token and decodes the JSON answer into out
// (when not nil), returning the status code.
func (e *env) do(t *testing.T, method, path, contentType string, body io.Reader, out any) int {
	t.Helper()
	return e.doAs(t, token, method, path, contentType, body, out)
}

// doAs is do with another user's token.
func (e *env) doAs(t *testing.T, tok, method, path, contentType string, body io.Reader, out any) int {
	t.Helper()
	resp, b := e.raw(t, tok, method, path, contentType, body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && resp.StatusCode != http.StatusNoContent {
		t.Errorf("%s %s: Content-Type %q, body %s", method, path, ct, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// raw sends a request with tok and returns the answer and its body.
func (e *env) raw(t *testing.T, tok, method, path, contentType string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// form builds a multipart form of fields and one text attachment.
func form(t *testing.T, fields map[string]string, files map[string]string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, content := range files {
		fw, err := mw.CreateFormFile("files", name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fw, content)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), &buf
}

type message struct {
	ID        int64  `json:"id"`
	State     string `json:"state"`
	Pages     int    `json:"pages"`
	Estimate  string `json:"estimate"`
	Estimates struct {
		Resolution  string              `json:"resolution"`
		PageSeconds []float64           `json:"page_seconds"`
		Recipients  []recipientEstimate `json:"recipients"`
	} `json:"estimates"`
	Recipients []struct {
		Field  string `json:"field"`
		Number string `json:"number"`
	} `json:"recipients"`
	Jobs []struct {
		ID         int64  `json:"id"`
		State      string `json:"state"`
		PagesTotal int    `json:"pages_total"`
		Recipient  struct {
			Field  string `json:"field"`
			Number string `json:"number"`
		} `json:"recipient"`
	} `json:"jobs"`
}

type apiError struct {
	Error   string `json:"error"`
	Missing string `json:"missing"`
	Invalid []struct {
		Field  string `json:"field"`
		Input  string `json:"input"`
		Reason string `json:"reason"`
	} `json:"invalid"`
}

func TestCreateMessageInvalidNumber(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	ct, body := form(t, map[string]string{"to": "02 555 12 12, +32 0 2 555 13 13", "subject": "Hello", "body": "Hi"}, nil)
	var ae apiError
	if code := e.do(t, "POST", "/api/messages", ct, body, &ae); code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %+v", code, ae)
	}
	if len(ae.Invalid) != 1 || ae.Invalid[0].Field != "to" || ae.Invalid[0].Input != "+32 0 2 555 13 13" {
		t.Fatalf("invalid = %+v", ae.Invalid)
	}
	if !strings.Contains(ae.Invalid[0].Reason, "0") || !strings.Contains(ae.Error, "+32 0 2 555 13 13") {
		t.Errorf("reason %q, error %q: want the trunk zero explained", ae.Invalid[0].Reason, ae.Error)
	}
	t.Logf("error: %s", ae.Error)
	ms, err := e.st.ListMessages(context.Background(), store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 0 {
		t.Errorf("%d messages stored, want none", len(ms))
	}
	if ents, _ := os.ReadDir(filepath.Join(e.dir, "messages")); len(ents) != 0 {
		t.Errorf("%d spool directories left, want none", len(ents))
	}
}

func TestCreateMessage(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	ct, body := form(t, map[string]string{"to": "02 555 12 12", "cc": "+32 2 555 13 13", "bcc": "+32 2 555 14 14",
		"subject": "Quarterly report", "body": "Please find the report attached."},
		map[string]string{"notes.txt": "line one\nline two\n"})
	var m message
	if code := e.do(t, "POST", "/api/messages", ct, body, &m); code != http.StatusCreated {
		t.Fatalf("status %d, want 201: %+v", code, m)
	}
	if m.ID == 0 || len(m.Jobs) != 3 || m.Pages != 2 {
		t.Fatalf("message %+v: want 3 jobs of 2 pages", m)
	}
	want := map[string]string{"to": "+3225551212", "cc": "+3225551313", "bcc": "+3225551414"}
	ctx := context.Background()
	seen := map[string]bool{}
	for _, j := range m.Jobs {
		if j.State != "queued" && j.State != "dialing" {
			t.Errorf("job %d state %s", j.ID, j.State)
		}
		if want[j.Recipient.Field] != j.Recipient.Number {
			t.Errorf("job %d to %s %s", j.ID, j.Recipient.Field, j.Recipient.Number)
		}
		ps, err := e.st.Pages(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 2 {
			t.Fatalf("job %d: %d pages, want 2", j.ID, len(ps))
		}
		for _, p := range ps {
			if seen[p.Path] {
				t.Errorf("page file %s shared between jobs: each recipient needs its own copy", p.Path)
			}
			seen[p.Path] = true
			f, err := os.Open(filepath.Join(e.dir, p.Path))
			if err != nil {
				t.Fatal(err)
			}
			fi, _ := f.Stat()
			tf, err := pages.OpenTIFF(f, fi.Size())
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", p.Path, err)
			}
			if len(tf.Pages) != 1 {
				t.Errorf("%s: %d pages, want 1", p.Path, len(tf.Pages))
			}
		}
	}
	// The estimate is the tariff's for each recipient's line time (its
	// pages' coded size), in total and per recipient.
	checkEstimates(ctx, t, e.led, m.Estimate, m.Estimates.Recipients, 3)
	if len(m.Estimates.PageSeconds) != 2 || m.Estimates.Resolution != "standard" {
		t.Errorf("estimates %+v: want 2 page times at standard", m.Estimates)
	}

	var got message
	if code := e.do(t, "GET", "/api/messages/"+itoa(m.ID), "", nil, &got); code != http.StatusOK || len(got.Jobs) != 3 {
		t.Fatalf("get: status %d, %+v", code, got)
	}
	var list struct{ Messages []message }
	if code := e.do(t, "GET", "/api/messages", "", nil, &list); code != http.StatusOK || len(list.Messages) != 1 {
		t.Fatalf("list: status %d, %+v", code, list)
	}
	var ae apiError
	if code := e.do(t, "GET", "/api/messages/999", "", nil, &ae); code != http.StatusNotFound {
		t.Errorf("missing message: status %d, %+v", code, ae)
	}
}

func TestCreateMessageCredit(t *testing.T) {
	e := newEnv(t, 5*billing.Unit) // under the 10 EUR rule
	ct, body := form(t, map[string]string{"to": "02 555 12 12", "body": "Hi"}, nil)
	var ae apiError
	if code := e.do(t, "POST", "/api/messages", ct, body, &ae); code != http.StatusPaymentRequired {
		t.Fatalf("status %d, want 402: %+v", code, ae)
	}
	if ae.Missing == "" {
		t.Errorf("no missing amount in %+v", ae)
	}
	if ms, _ := e.st.ListMessages(context.Background(), store.ListOptions{}); len(ms) != 0 {
		t.Errorf("%d messages stored, want none", len(ms))
	}
}

func TestUnauthenticated(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	for _, auth := range []string{"", "Bearer wrong", "Basic " + token, "Bearer " + token + "x"} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/account", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ae apiError
		json.NewDecoder(resp.Body).Decode(&ae)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || ae.Error == "" {
			t.Errorf("%q: status %d, error %q; want 401 with a JSON error", auth, resp.StatusCode, ae.Error)
		}
	}
}

func TestAccount(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	var a map[string]any
	if code := e.do(t, "GET", "/api/account", "", nil, &a); code != http.StatusOK {
		t.Fatalf("status %d: %v", code, a)
	}
	for k, v := range map[string]any{"currency": "EUR", "balance": "50.00", "available": "50.00", "held": "0.00",
		"open_holds": 0.0, "spent_this_month": "0.00", "min_available": "10.00", "can_send": true} {
		if a[k] != v {
			t.Errorf("%s = %v, want %v", k, a[k], v)
		}
	}
}

func TestPrice(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	var p map[string]any
	if code := e.do(t, "GET", "/api/price?number=02+555+12+12&pages=2", "", nil, &p); code != http.StatusOK {
		t.Fatalf("status %d: %v", code, p)
	}
	est, err := e.led.Price(context.Background(), "+3225551212", 2)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{"e164": "+3225551212", "country": "BE", "tariff": "Belgium",
		"per_minute": "1.20", "pages": 2.0, "estimate": billing.EUR.FormatNumber(est.Cost)} {
		if p[k] != v {
			t.Errorf("%s = %v, want %v", k, p[k], v)
		}
	}
	var ae apiError
	if code := e.do(t, "GET", "/api/price?number=%2B32+0+2+555+12+12", "", nil, &ae); code != http.StatusBadRequest || ae.Error == "" {
		t.Errorf("invalid number: status %d, %+v", code, ae)
	}
	if code := e.do(t, "GET", "/api/price?number=%2B44+20+7946+0018", "", nil, &ae); code != http.StatusUnprocessableEntity {
		t.Errorf("no rate: status %d, %+v", code, ae)
	}
}

func TestCancelAndRetry(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	ct, body := form(t, map[string]string{"to": "02 555 12 12", "body": "Hi"}, nil)
	var m message
	if code := e.do(t, "POST", "/api/messages", ct, body, &m); code != http.StatusCreated || len(m.Jobs) != 1 {
		t.Fatalf("status %d: %+v", code, m)
	}
	job := itoa(m.Jobs[0].ID)
	var j struct {
		State string `json:"state"`
	}
	if code := e.do(t, "POST", "/api/jobs/"+job+"/cancel", "", nil, &j); code != http.StatusOK || j.State != "cancelled" {
		t.Fatalf("cancel: status %d, state %s", code, j.State)
	}
	var ae apiError
	if code := e.do(t, "POST", "/api/jobs/"+job+"/cancel", "", nil, &ae); code != http.StatusConflict {
		t.Errorf("cancel twice: status %d, %+v", code, ae)
	}
	if code := e.do(t, "POST", "/api/jobs/"+job+"/retry", "", nil, &ae); code != http.StatusConflict {
		t.Errorf("retry a cancelled job: status %d, %+v", code, ae)
	}
	if code := e.do(t, "POST", "/api/jobs/12345/cancel", "", nil, &ae); code != http.StatusNotFound {
		t.Errorf("cancel a missing job: status %d, %+v", code, ae)
	}
	if code := e.do(t, "POST", "/api/jobs/x/cancel", "", nil, &ae); code != http.StatusBadRequest {
		t.Errorf("cancel job x: status %d, %+v", code, ae)
	}
	if code := e.do(t, "GET", "/api/jobs/"+job+"/cancel", "", nil, &ae); code != http.StatusMethodNotAllowed {
		t.Errorf("GET cancel: status %d, %+v", code, ae)
	}
}

// TestOtherUsersMessages: staff see and touch only their own messages and
// jobs; another user's answer 404 and stay as they were. An administrator
// sees everyone's.
func TestOtherUsersMessages(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	ct, body := form(t, map[string]string{"to": "02 555 12 12", "body": "Hi"}, nil)
	var m message
	if code := e.do(t, "POST", "/api/messages", ct, body, &m); code != http.StatusCreated || len(m.Jobs) != 1 {
		t.Fatalf("status %d: %+v", code, m)
	}
	msg, job := itoa(m.ID), itoa(m.Jobs[0].ID)
	var ae apiError
	for _, req := range [][2]string{{"GET", "/api/messages/" + msg}, {"POST", "/api/jobs/" + job + "/cancel"},
		{"POST", "/api/jobs/" + job + "/retry"}} {
		if code := e.doAs(t, bobToken, req[0], req[1], "", nil, &ae); code != http.StatusNotFound {
			t.Errorf("bob %s %s: status %d, %+v; want 404", req[0], req[1], code, ae)
		}
	}
	var list struct {
		Messages []message `json:"messages"`
	}
	if code := e.doAs(t, bobToken, "GET", "/api/messages", "", nil, &list); code != http.StatusOK || len(list.Messages) != 0 {
		t.Errorf("bob's list: status %d, %d messages; want none", code, len(list.Messages))
	}
	var got message
	if code := e.do(t, "GET", "/api/messages/"+msg, "", nil, &got); code != http.StatusOK || got.Jobs[0].State != "queued" {
		t.Errorf("alice's message after bob's tries: status %d, %+v", code, got)
	}
	if code := e.doAs(t, adminToken, "GET", "/api/messages", "", nil, &list); code != http.StatusOK || len(list.Messages) != 1 {
		t.Errorf("the administrator's list: status %d, %d messages; want 1", code, len(list.Messages))
	}
	if code := e.doAs(t, adminToken, "POST", "/api/jobs/"+job+"/cancel", "", nil, &ae); code != http.StatusOK {
		t.Errorf("the administrator cancels alice's job: status %d, %+v", code, ae)
	}
}

func TestRedeemBadVoucher(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	var ae apiError
	if code := e.do(t, "POST", "/api/vouchers/redeem", "application/json", strings.NewReader(`{"code": "nonsense"}`), &ae); code != http.StatusBadRequest {
		t.Errorf("status %d, %+v", code, ae)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// recipientEstimate is one recipient's estimate as the API gives it.
type recipientEstimate struct {
	Number   string  `json:"number"`
	Estimate string  `json:"estimate"`
	Seconds  float64 `json:"seconds"`
	// AssumedRate and AssumedECM: the numbers of these tests were never
	// called, so 14400 with ECM.
	AssumedRate int  `json:"assumed_rate"`
	AssumedECM  bool `json:"assumed_ecm"`
}

// checkEstimates checks that each of n recipients' estimates is the
// tariff's for its line time, assumed at 14400 bit/s with ECM, and that
// total is their sum.
func checkEstimates(ctx context.Context, t *testing.T, led *billing.Ledger, total string, rs []recipientEstimate, n int) {
	t.Helper()
	if len(rs) != n {
		t.Fatalf("%d recipient estimates, want %d", len(rs), n)
	}
	var sum billing.Amount
	for _, r := range rs {
		est, err := led.PriceTime(ctx, r.Number, time.Duration(r.Seconds*float64(time.Second)))
		if err != nil {
			t.Fatal(err)
		}
		if r.Seconds < 12 || billing.EUR.FormatNumber(est.Cost) != r.Estimate {
			t.Errorf("%s: %s for %.1f s, want %s", r.Number, r.Estimate, r.Seconds, billing.EUR.FormatNumber(est.Cost))
		}
		if r.AssumedRate != 14400 || !r.AssumedECM {
			t.Errorf("%s: assumed %d bit/s, ECM %v; want 14400 with ECM", r.Number, r.AssumedRate, r.AssumedECM)
		}
		sum += est.Cost
	}
	if billing.EUR.FormatNumber(sum) != total {
		t.Errorf("estimate %s, want the recipients' sum %s", total, billing.EUR.FormatNumber(sum))
	}
}
