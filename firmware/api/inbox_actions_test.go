package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/contacts"
	"faxbox/firmware/daemon"
	"faxbox/firmware/store"
	"faxbox/pages"
)

// header fetches path as tok and returns the status and a header.
func (e *env) header(t *testing.T, tok, path, name string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get(name)
}

// addContact puts Jan Peeters of ACME, fax 02 555 99 99, in the book.
func addContact(t *testing.T, e *env, c *api.Config) {
	t.Helper()
	if _, err := c.Contacts.Create(context.Background(), contacts.Contact{Name: "Jan Peeters", Company: "ACME",
		Numbers: []contacts.Number{{Label: contacts.Fax, Number: "02 555 99 99"}}}); err != nil {
		t.Fatal(err)
	}
}

type inboxEntry struct {
	ID     int64 `json:"id"`
	Read   bool  `json:"read"`
	User   int64 `json:"user"`
	Caller struct {
		Display, E164, Label, Company string
	} `json:"caller"`
}

// TestInboxTells: a received fax names its sender from the address book,
// is unread per user until read, can be assigned, forwarded by mail
// (with a clear answer when no mail is set up) and deleted by
// administrators only; its downloads are named for the day and sender.
func TestInboxTells(t *testing.T) {
	var cfg *api.Config
	var forwarded []string
	mailOn := false
	e := newEnv(t, 10*billing.Unit, withContacts(t), func(c *api.Config) {
		cfg = c
		c.ForwardFax = func(_ context.Context, r store.Received, pdf []byte, to string) error {
			if !mailOn {
				return fmt.Errorf("appliance: %w", api.ErrNoMail)
			}
			if r.ID == 0 || !strings.HasPrefix(string(pdf), "%PDF-") {
				return errors.New("not the fax")
			}
			forwarded = append(forwarded, to)
			return nil
		}
		c.People = func(context.Context) ([]api.Person, error) {
			return []api.Person{{ID: 1, Name: "alice", DisplayName: "Alice Martens"}}, nil
		}
	})
	addContact(t, e, cfg)
	ctx := context.Background()
	rx := e.receive(t, 0, "ACME FAX", []*pages.Page{rxPage(t, 1)}) // caller ID 3225559999
	if _, err := e.st.FinishReceived(ctx, rx.ID, store.ReceivedEnd{}); err != nil {
		t.Fatal(err)
	}
	list := func(tok string) (faxes []inboxEntry, unread int) {
		var out struct {
			Faxes  []inboxEntry
			Unread int
		}
		if code := e.doAs(t, tok, "GET", "/api/inbox", "", nil, &out); code != http.StatusOK || len(out.Faxes) == 0 {
			t.Fatalf("list as %s: %d %+v", tok, code, out)
		}
		return out.Faxes, out.Unread
	}
	faxes, unread := list(token)
	if c := faxes[0].Caller; c.Label != "Jan Peeters, ACME" || c.Display != "+32 2 555 99 99" || c.E164 != "+3225559999" || faxes[0].Read || unread != 1 {
		t.Errorf("alice's inbox: %+v, %d unread; want the contact's name, unread", faxes[0], unread)
	}
	path := fmt.Sprintf("/api/inbox/%d", rx.ID)
	if code := e.do(t, "POST", path+"/read", "application/json", strings.NewReader(`{"read": true}`), nil); code != http.StatusOK {
		t.Fatalf("read: %d", code)
	}
	if faxes, unread := list(token); !faxes[0].Read || unread != 0 {
		t.Errorf("after reading: %+v, %d unread", faxes[0], unread)
	}
	var n struct{ Unread int }
	if code := e.doAs(t, bobToken, "GET", "/api/inbox/unread", "", nil, &n); code != http.StatusOK || n.Unread != 1 {
		t.Errorf("bob's unread count: %d %+v; read marks are per user", code, n)
	}

	// Assigned to bob: alice no longer sees it.
	bob := e.users[bobToken]
	if code := e.do(t, "POST", path+"/assign", "application/json", strings.NewReader(fmt.Sprintf(`{"user": %d}`, bob.ID)), nil); code != http.StatusOK {
		t.Fatalf("assign: %d", code)
	}
	if code := e.do(t, "GET", path, "", nil, nil); code != http.StatusNotFound {
		t.Errorf("alice reads bob's fax: %d", code)
	}
	if faxes, _ := list(bobToken); faxes[0].User != bob.ID {
		t.Errorf("bob's inbox: %+v", faxes)
	}
	var people struct{ People []api.Person }
	if code := e.doAs(t, bobToken, "GET", "/api/people", "", nil, &people); code != http.StatusOK || people.People[0].DisplayName != "Alice Martens" {
		t.Errorf("people: %d %+v", code, people)
	}

	// Forwarding: no mail relay is a clear 503; with one, the PDF goes.
	var ae apiError
	fwd := func(body string) int {
		return e.doAs(t, bobToken, "POST", path+"/forward", "application/json", strings.NewReader(body), &ae)
	}
	if code := fwd(`{"to": "office@example.com"}`); code != http.StatusServiceUnavailable || !strings.Contains(ae.Error, "mail relay") {
		t.Errorf("forward without mail: %d %+v", code, ae)
	}
	mailOn = true
	if code := fwd(`{"to": "not an address"}`); code != http.StatusBadRequest {
		t.Errorf("forward to a bad address: %d", code)
	}
	if code := fwd(`{"to": "office@example.com"}`); code != http.StatusOK || fmt.Sprint(forwarded) != "[office@example.com]" {
		t.Errorf("forward: %d %+v, forwarded %v", code, ae, forwarded)
	}

	// Downloads are named for the day and the sender.
	day := rx.At.UTC().Format("2006-01-02")
	if code, cd := e.header(t, bobToken, path+"/fax.pdf", "Content-Disposition"); code != 200 || cd != `attachment; filename=fax-`+day+`-from-ACME.pdf` {
		t.Errorf("PDF download: %d %q", code, cd)
	}

	// Deleting: administrators only.
	if code := e.doAs(t, bobToken, "DELETE", path, "", nil, &ae); code != http.StatusForbidden {
		t.Errorf("staff deletes: %d", code)
	}
	if code := e.doAs(t, adminToken, "DELETE", path, "", nil, nil); code != http.StatusNoContent {
		t.Errorf("administrator deletes: %d", code)
	}
	if _, err := e.st.GetReceived(ctx, rx.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted fax: %v", err)
	}
}

type waitingJob struct {
	ID          int64 `json:"id"`
	State       string
	Attempts    int `json:"attempts"`
	MaxAttempts int `json:"max_attempts"`
	Recipient   struct {
		Who struct{ Label, Display, E164 string }
	}
	Waiting *struct {
		Reason string
		Until  *time.Time
		Text   string
		Lines  []struct {
			Name, State string
			Job         int64
		}
	}
}

// TestQueueExplained: a queued job says why it waits (which line is busy
// with which call, or when its next attempt is), recipients are named from
// the address book, "retry now" does not use up an attempt, and the
// message's download is named for its recipient.
func TestQueueExplained(t *testing.T) {
	var cfg *api.Config
	var modems []daemon.ModemStatus
	e := newEnv(t, 50*billing.Unit, withContacts(t), func(c *api.Config) {
		cfg = c
		c.Modems = func() []daemon.ModemStatus { return modems }
	})
	addContact(t, e, cfg)
	ctx := context.Background()
	ct, body := form(t, map[string]string{"to": "02 555 99 99, 02 555 12 12", "subject": "Lease", "body": "Hi"}, nil)
	var m message
	if code := e.do(t, "POST", "/api/messages", ct, body, &m); code != http.StatusCreated || len(m.Jobs) != 2 {
		t.Fatalf("submit: %d %+v", code, m)
	}
	get := func() map[int64]waitingJob {
		var v struct{ Jobs []waitingJob }
		if code := e.do(t, "GET", "/api/messages/"+itoa(m.ID), "", nil, &v); code != http.StatusOK {
			t.Fatalf("get: %d", code)
		}
		out := map[int64]waitingJob{}
		for _, j := range v.Jobs {
			out[j.ID] = j
		}
		return out
	}
	j, ok, err := e.st.NextJob(ctx, time.Now())
	if err != nil || !ok {
		t.Fatalf("claim: %v", err)
	}
	a, err := e.st.StartAttempt(ctx, j.ID, "sim0")
	if err != nil {
		t.Fatal(err)
	}
	other := m.Jobs[0].ID + m.Jobs[1].ID - j.ID
	modems = []daemon.ModemStatus{{Name: "sim0", State: daemon.ModemCalling, Job: j.ID, Since: time.Now()}}
	jobs := get()
	if w := jobs[m.Jobs[0].ID].Recipient.Who; w.Label != "Jan Peeters, ACME" || w.Display != "+32 2 555 99 99" || w.E164 != "+3225559999" {
		t.Errorf("recipient: %+v", w)
	}
	if w := jobs[other].Waiting; w == nil || w.Reason != "lines_busy" || len(w.Lines) != 1 || w.Lines[0].Job != j.ID ||
		!strings.Contains(w.Text, "sim0 is calling") {
		t.Errorf("a due job behind a call: %+v", w)
	}
	if w := jobs[j.ID].Waiting; w != nil {
		t.Errorf("the job in the call waits: %+v", w)
	}

	// The call was busy: the job waits for its next attempt.
	next := time.Now().Add(10 * time.Minute)
	if _, err := e.st.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Retry, RetryAt: next, ReasonCode: "busy"}); err != nil {
		t.Fatal(err)
	}
	modems[0].State, modems[0].Job = daemon.ModemIdle, 0
	jobs = get()
	if w := jobs[j.ID].Waiting; w == nil || w.Reason != "scheduled" || w.Until == nil || !w.Until.Equal(next.Truncate(time.Microsecond).UTC()) {
		t.Errorf("a job waiting to retry: %+v", w)
	}
	if w := jobs[other].Waiting; w == nil || w.Reason != "starting" {
		t.Errorf("a due job with a free line: %+v", w)
	}
	modems[0].State = daemon.ModemOutOfOrder
	if w := get()[other].Waiting; w == nil || w.Reason != "no_lines" {
		t.Errorf("a due job without a line in service: %+v", w)
	}

	// Retry now: the call it starts is not one of the three attempts.
	for range 2 {
		if code := e.do(t, "POST", "/api/jobs/"+itoa(j.ID)+"/retry", "", nil, nil); code != http.StatusOK {
			t.Fatalf("retry now: %d", code)
		}
	}
	if got := get()[j.ID]; got.Attempts != 1 || got.MaxAttempts != 3 || got.Waiting == nil || got.Waiting.Reason == "scheduled" {
		t.Errorf("after retry now: %+v", got)
	}
	for claimed := (store.Job{}); claimed.ID != j.ID; { // the other job, due longer, is claimed first
		if claimed, _, err = e.st.NextJob(ctx, time.Now()); err != nil || claimed.ID == 0 {
			t.Fatalf("claim: %+v %v", claimed, err)
		}
	}
	if _, err := e.st.StartAttempt(ctx, j.ID, "sim0"); err != nil {
		t.Fatal(err)
	}
	if got := get()[j.ID]; got.Attempts != 2 || got.MaxAttempts-got.Attempts != 2 {
		t.Errorf("the asked-for call started: %d of %d attempts, want 2 still left", got.Attempts, got.MaxAttempts)
	}

	// The copy's download is named for the message and its recipient.
	path := fmt.Sprintf("/api/messages/%d/archive.pdf?job=%d", m.ID, m.Jobs[0].ID)
	if code, cd := e.header(t, token, path, "Content-Disposition"); code != 200 || cd != fmt.Sprintf("attachment; filename=message-%d-to-Jan-Peeters.pdf", m.ID) {
		t.Errorf("archive download: %d %q", code, cd)
	}
}
