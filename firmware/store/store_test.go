package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/store"
)

func TestOpenMigratesOnceAndSharesBillingFile(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "faxbox.db")
	l, err := billing.Open(ctx, billing.Config{Path: path, Now: clk.Now, InstallDefaultTariff: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s := open(t, store.Config{Path: path, Now: clk.Now})
	newMessage(t, s, 1, 1)
	s.Close()
	s = open(t, store.Config{Path: path, Now: clk.Now}) // migrations are not re-applied
	if ms, err := s.ListMessages(ctx, store.ListOptions{}); err != nil || len(ms) != 1 {
		t.Fatalf("after reopen: %v %v", ms, err)
	}
	l.Close()
	l, err = billing.Open(ctx, billing.Config{Path: path, Now: clk.Now}) // billing's user_version untouched
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.TopUp(ctx, 10*billing.Unit, "admin", ""); err != nil {
		t.Fatal(err)
	}
	if store.SchemaVersion() < 1 {
		t.Fatal("no schema")
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	clk := newClock()
	cfg := testConfig(t, clk)
	open(t, cfg).Close()
	db, err := sql.Open("sqlite", "file:"+cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE store_schema SET version = 99`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = store.Open(context.Background(), cfg)
	wantErr(t, err, store.ErrSchemaTooNew)
	if _, err := store.Open(context.Background(), store.Config{Path: "x.db?mode=ro"}); err == nil {
		t.Fatal("path with a query accepted")
	}
}

// TestOpenDamaged: a database file that is not one (a failed copy, a
// damaged card) is refused with ErrDamaged, naming the file, and left as
// it was for whoever restores it.
func TestOpenDamaged(t *testing.T) {
	cfg := testConfig(t, newClock())
	junk := bytes.Repeat([]byte("not a database "), 512)
	if err := os.WriteFile(cfg.Path, junk, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(context.Background(), cfg)
	wantErr(t, err, store.ErrDamaged)
	if !strings.Contains(err.Error(), cfg.Path) {
		t.Errorf("%v does not name the file", err)
	}
	if got, _ := os.ReadFile(cfg.Path); !bytes.Equal(got, junk) {
		t.Error("the damaged file was changed")
	}
}

func TestCreateGetListMessage(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	m := newMessage(t, s, 3, 2)
	if len(m.Jobs) != 3 || m.State != store.MessageActive || m.SenderName != "alice" {
		t.Fatalf("created %+v", m)
	}
	got, err := s.GetMessage(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "Invoice" || got.Body != "Please find attached." || !got.Created.Equal(clk.Now()) {
		t.Fatalf("got %+v", got)
	}
	for i, j := range got.Jobs {
		r := got.Recipients[i]
		if j.State != store.Queued || j.PagesTotal != 2 || j.MaxAttempts != 3 || j.Recipient.ID != r.ID || j.Recipient.Number != r.Number ||
			!j.NextAttempt.Equal(clk.Now()) || r.Field != []store.Field{store.To, store.Cc, store.Bcc}[i] {
			t.Fatalf("job %d: %+v", i, j)
		}
	}
	if got.Counts[store.Queued] != 3 {
		t.Fatalf("counts %v", got.Counts)
	}
	ps, err := s.Pages(ctx, m.Jobs[0].ID)
	if err != nil || len(ps) != 2 || ps[1].Path != "pages/m/2.g3" || ps[0].Confirmed {
		t.Fatalf("pages %+v %v", ps, err)
	}

	m2 := newMessage(t, s, 1, 1)
	list, err := s.ListMessages(ctx, store.ListOptions{})
	if err != nil || len(list) != 2 || list[0].ID != m2.ID || list[1].Counts[store.Queued] != 3 {
		t.Fatalf("list %+v %v", list, err)
	}
	list, _ = s.ListMessages(ctx, store.ListOptions{Before: m2.ID, Limit: 1})
	if len(list) != 1 || list[0].ID != m.ID {
		t.Fatalf("page 2: %+v", list)
	}
	bob, _ := s.CreateUser(ctx, "bob")
	if list, _ := s.ListMessages(ctx, store.ListOptions{Sender: bob.ID}); len(list) != 0 {
		t.Fatalf("bob's list: %+v", list)
	}
	if _, err := s.CreateUser(ctx, "bob"); err == nil {
		t.Fatal("duplicate user accepted")
	}

	_, err = s.GetMessage(ctx, 999)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetJob(ctx, 999)
	wantErr(t, err, store.ErrNotFound)
}

// TestRecipientPages: each recipient's own copy is its job's from the
// moment the job exists (a worker may claim it at once), and a Bcc
// recipient's copy is in no other job's pages.
func TestRecipientPages(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	u, _ := s.CreateUser(ctx, "alice")
	copyOf := func(who string, n int) []store.PageFile {
		var ps []store.PageFile
		for i := range n {
			ps = append(ps, store.PageFile{Index: i + 1, Path: fmt.Sprintf("pages/%s/%d.tif", who, i+1), SHA256: sha(i)})
		}
		return ps
	}
	m, err := s.CreateMessage(ctx, store.NewMessage{Sender: u.ID, Subject: "Invoice",
		Pages: copyOf("undisclosed", 2),
		Recipients: []store.Recipient{
			{Field: store.To, Number: "+3225551000", Pages: copyOf("to", 2)},
			{Field: store.Cc, Number: "+3225551001", Pages: copyOf("cc", 2)},
			{Field: store.Bcc, Number: "+3225551002", Pages: copyOf("bcc", 3)},
			{Field: store.To, Number: "+3225551003"}, // no copy of its own: the message's
		}})
	if err != nil {
		t.Fatal(err)
	}
	// Claimed at once, before anything else happens: the first due job
	// already has its own copy.
	j, ok, err := s.NextJob(ctx, clk.Now())
	if err != nil || !ok || j.ID != m.Jobs[0].ID {
		t.Fatalf("NextJob: %+v %v %v", j, ok, err)
	}
	want := map[int64]string{m.Jobs[0].ID: "to", m.Jobs[1].ID: "cc", m.Jobs[2].ID: "bcc", m.Jobs[3].ID: "undisclosed"}
	for _, j := range m.Jobs {
		if len(j.Recipient.Pages) != 0 {
			t.Errorf("job %d: the returned recipient carries its pages", j.ID)
		}
		ps, err := s.Pages(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 2
		if want[j.ID] == "bcc" {
			n = 3
		}
		if len(ps) != n || j.PagesTotal != n {
			t.Fatalf("job %d: %d pages, total %d, want %d", j.ID, len(ps), j.PagesTotal, n)
		}
		for _, p := range ps {
			if !strings.HasPrefix(p.Path, "pages/"+want[j.ID]+"/") {
				t.Errorf("job %d (%s) sends %s", j.ID, want[j.ID], p.Path)
			}
			if want[j.ID] != "bcc" && strings.Contains(p.Path, "bcc") {
				t.Errorf("job %d sends the Bcc recipient's copy %s", j.ID, p.Path)
			}
		}
	}
	// A bad copy refuses the whole message.
	_, err = s.CreateMessage(ctx, store.NewMessage{Sender: u.ID, Recipients: []store.Recipient{
		{Field: store.To, Number: "+3225551000", Pages: []store.PageFile{{Index: 2, Path: "p", SHA256: sha(1)}}}}})
	wantErr(t, err, store.ErrInvalid)
}

func TestCreateMessageInvalid(t *testing.T) {
	ctx := context.Background()
	s := open(t, testConfig(t, newClock()))
	u, _ := s.CreateUser(ctx, "alice")
	ok := []store.Recipient{{Field: store.To, Number: "+3225551212"}}
	for name, tc := range map[string]struct {
		m    store.NewMessage
		want error
	}{
		"no recipients":  {store.NewMessage{Sender: u.ID}, store.ErrInvalid},
		"not E.164":      {store.NewMessage{Sender: u.ID, Recipients: []store.Recipient{{Field: store.To, Number: "025551212"}}}, store.ErrInvalid},
		"leading zero":   {store.NewMessage{Sender: u.ID, Recipients: []store.Recipient{{Field: store.To, Number: "+0225551212"}}}, store.ErrInvalid},
		"too long":       {store.NewMessage{Sender: u.ID, Recipients: []store.Recipient{{Field: store.To, Number: "+1234567890123456"}}}, store.ErrInvalid},
		"no field":       {store.NewMessage{Sender: u.ID, Recipients: []store.Recipient{{Number: "+3225551212"}}}, store.ErrInvalid},
		"page gap":       {store.NewMessage{Sender: u.ID, Recipients: ok, Pages: []store.PageFile{{Index: 2, Path: "p", SHA256: sha(1)}}}, store.ErrInvalid},
		"bad sha":        {store.NewMessage{Sender: u.ID, Recipients: ok, Pages: []store.PageFile{{Index: 1, Path: "p", SHA256: "ab"}}}, store.ErrInvalid},
		"unknown sender": {store.NewMessage{Sender: 42, Recipients: ok}, store.ErrNotFound},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.CreateMessage(ctx, tc.m)
			wantErr(t, err, tc.want)
		})
	}
	if list, _ := s.ListMessages(ctx, store.ListOptions{}); len(list) != 0 {
		t.Fatalf("a refused message was stored: %+v", list)
	}
}

func TestDeliveredLifecycle(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	m := newMessage(t, s, 1, 2)
	j, a := claim(t, s, clk.Now(), "ttyACM0")
	if j.State != store.Dialing || a.Number != 1 || a.FirstPage != 1 || a.Modem != "ttyACM0" {
		t.Fatalf("claimed %+v %+v", j, a)
	}
	if _, ok, _ := s.NextJob(ctx, clk.Now()); ok {
		t.Fatal("claimed a job twice")
	}
	clk.Advance(20 * time.Second)
	p := store.Params{BitRate: 14400, ECM: true, Coding: "MR", RemoteIdent: "+32 2 555 12 12"}
	if err := s.RecordConnected(ctx, a.ID, p); err != nil {
		t.Fatal(err)
	}
	if j := mustJob(t, s, j.ID); j.State != store.Sending {
		t.Fatalf("after connect %v", j.State)
	}
	for page := 1; page <= 2; page++ {
		clk.Advance(40 * time.Second)
		if fresh, err := s.RecordPageConfirmed(ctx, a.ID, page); err != nil || !fresh {
			t.Fatal(fresh, err)
		}
	}
	j, err := s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Delivered, ReasonCode: "ok", Duration: 85 * time.Second, TracePath: "traces/1.log"})
	if err != nil || j.State != store.Delivered || j.PagesConfirmed != 2 {
		t.Fatalf("finish: %+v %v", j, err)
	}
	got, _ := s.GetMessage(ctx, m.ID)
	h := got.Jobs[0].History
	if got.State != store.MessageDelivered || len(h) != 1 || h[0].Params != p || h[0].PagesConfirmed != 2 ||
		h[0].Duration != 85*time.Second || h[0].TracePath != "traces/1.log" ||
		!h[0].Connected.Equal(h[0].Started.Add(20*time.Second)) || h[0].Ended.IsZero() {
		t.Fatalf("message %+v history %+v", got, h)
	}
}

func TestRetryResendsOnlyRemainingPages(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	newMessage(t, s, 1, 3)
	j, a := claim(t, s, clk.Now(), "m0")
	s.RecordConnected(ctx, a.ID, store.Params{})
	s.RecordPageConfirmed(ctx, a.ID, 1)
	s.RecordPageConfirmed(ctx, a.ID, 2)
	retryAt := clk.Now().Add(5 * time.Minute)
	j, err := s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Retry, RetryAt: retryAt, ReasonCode: "dropped", ReasonText: "line dropped at page 3"})
	if err != nil || j.State != store.Retry || !j.NextAttempt.Equal(retryAt) || j.PagesConfirmed != 2 || j.ReasonCode != "dropped" {
		t.Fatalf("%+v %v", j, err)
	}
	if due, ok, _ := s.NextDue(ctx); !ok || !due.Equal(retryAt) {
		t.Fatalf("next due %v %v", due, ok)
	}
	if _, ok, _ := s.NextJob(ctx, clk.Now()); ok {
		t.Fatal("claimed before the retry time")
	}
	clk.Advance(5 * time.Minute)
	_, a2 := claim(t, s, clk.Now(), "m1")
	if a2.Number != 2 || a2.FirstPage != 3 {
		t.Fatalf("second attempt %+v", a2)
	}
	ps, _ := s.Pages(ctx, j.ID)
	if !ps[0].Confirmed || !ps[1].Confirmed || ps[2].Confirmed {
		t.Fatalf("pages %+v", ps)
	}
	s.RecordConnected(ctx, a2.ID, store.Params{})
	// Page 2 confirmed again (resent with cause) counts once for the job.
	if fresh, _ := s.RecordPageConfirmed(ctx, a2.ID, 2); !fresh {
		t.Fatal("page 2 of attempt 2 not fresh")
	}
	s.RecordPageConfirmed(ctx, a2.ID, 3)
	j, err = s.FinishAttempt(ctx, a2.ID, store.Outcome{Next: store.Delivered})
	if err != nil || j.PagesConfirmed != 3 || j.Attempts != 2 {
		t.Fatalf("%+v %v", j, err)
	}
	if j := mustJob(t, s, j.ID); j.History[0].PagesConfirmed != 2 || j.History[1].PagesConfirmed != 2 {
		t.Fatalf("history %+v", j.History)
	}
}

func TestPageConfirmationIdempotent(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	newMessage(t, s, 1, 2)
	j, a := claim(t, s, clk.Now(), "m0")
	s.RecordConnected(ctx, a.ID, store.Params{})
	for i, want := range []bool{true, false, false} {
		if fresh, err := s.RecordPageConfirmed(ctx, a.ID, 1); err != nil || fresh != want {
			t.Fatalf("call %d: %v %v", i, fresh, err)
		}
	}
	if j := mustJob(t, s, j.ID); j.PagesConfirmed != 1 || j.History[0].PagesConfirmed != 1 {
		t.Fatalf("%+v", j)
	}
	_, err := s.RecordPageConfirmed(ctx, a.ID, 3)
	wantErr(t, err, store.ErrInvalid)
	_, err = s.RecordPageConfirmed(ctx, a.ID, 0)
	wantErr(t, err, store.ErrInvalid)
	s.RecordPageConfirmed(ctx, a.ID, 2)
	s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Delivered})
	// A replay after the attempt ended is still a no-op, not an error.
	if fresh, err := s.RecordPageConfirmed(ctx, a.ID, 2); err != nil || fresh {
		t.Fatalf("replay after finish: %v %v", fresh, err)
	}
	_, err = s.RecordPageConfirmed(ctx, a.ID, 3)
	wantErr(t, err, store.ErrAttemptClosed)
}

func TestIllegalTransitions(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	m := newMessage(t, s, 2, 2)
	queued := m.Jobs[1].ID

	transition := func(t *testing.T, err error, from store.State) {
		t.Helper()
		var te *store.TransitionError
		if !errors.As(err, &te) || te.From != from || !errors.Is(err, store.ErrIllegalTransition) {
			t.Fatalf("got %v, want a TransitionError from %v", err, from)
		}
	}
	_, err := s.StartAttempt(ctx, queued, "m0")
	transition(t, err, store.Queued)

	j, a := claim(t, s, clk.Now(), "m0")
	_, err = s.StartAttempt(ctx, j.ID, "m1")
	transition(t, err, store.Dialing)
	_, err = s.RecordPageConfirmed(ctx, a.ID, 1)
	transition(t, err, store.Dialing)
	_, err = s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Delivered})
	transition(t, err, store.Dialing)
	_, err = s.RetryNow(ctx, j.ID, "admin")
	transition(t, err, store.Dialing)
	_, err = s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Cancelled})
	wantErr(t, err, store.ErrInvalid)
	_, err = s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Retry})
	wantErr(t, err, store.ErrInvalid)

	if err := s.RecordConnected(ctx, a.ID, store.Params{}); err != nil {
		t.Fatal(err)
	}
	transition(t, s.RecordConnected(ctx, a.ID, store.Params{}), store.Sending)
	s.RecordPageConfirmed(ctx, a.ID, 1)
	_, err = s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Delivered})
	transition(t, err, store.Sending) // page 2 not confirmed
	if _, err := s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Failed, ReasonCode: "rtn"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Failed})
	wantErr(t, err, store.ErrAttemptClosed)
	_, err = s.CancelJob(ctx, j.ID, "alice")
	transition(t, err, store.Failed)
	_, err = s.FinishAttempt(ctx, 999, store.Outcome{Next: store.Failed})
	wantErr(t, err, store.ErrNotFound)
	_, err = s.CancelJob(ctx, 999, "alice")
	wantErr(t, err, store.ErrNotFound)

	// The state did not move on any refusal.
	if j := mustJob(t, s, j.ID); j.State != store.Failed || j.Attempts != 1 || j.ReasonCode != "rtn" {
		t.Fatalf("%+v", j)
	}
}

func TestAttemptsExhausted(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	cfg := testConfig(t, clk)
	cfg.MaxAttempts = 2
	s := open(t, cfg)
	newMessage(t, s, 1, 1)
	for i := 1; i <= 2; i++ {
		_, a := claim(t, s, clk.Now(), "m0")
		_, err := s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Retry, RetryAt: clk.Now(), ReasonCode: "busy"})
		if i == 2 {
			wantErr(t, err, store.ErrNoAttemptsLeft)
			j, err := s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Failed, ReasonCode: "busy"})
			if err != nil || j.State != store.Failed || j.AttemptsLeft() != 0 {
				t.Fatalf("%+v %v", j, err)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// Retry now gives a failed job one more attempt.
	j, _, _ := s.NextJob(ctx, clk.Now())
	if j.ID != 0 {
		t.Fatal("failed job claimed")
	}
	list, _ := s.ListMessages(ctx, store.ListOptions{})
	got, _ := s.GetMessage(ctx, list[0].ID)
	id := got.Jobs[0].ID
	if got.State != store.MessageFailed {
		t.Fatalf("message state %v", got.State)
	}
	clk.Advance(time.Hour)
	j, err := s.RetryNow(ctx, id, "admin")
	if err != nil || j.State != store.Retry || !j.ManualRetry || !j.NextAttempt.Equal(clk.Now()) {
		t.Fatalf("%+v %v", j, err)
	}
	_, a := claim(t, s, clk.Now(), "m0")
	if a.Number != 3 {
		t.Fatalf("attempt %+v", a)
	}
	// The job was dialing: a second claim-and-start is refused.
	s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Failed})
	_, err = s.StartAttempt(ctx, id, "m0")
	wantErr(t, err, store.ErrIllegalTransition)
}

func TestCancel(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	m := newMessage(t, s, 3, 1)
	// In a call: requested, then cancelled when the attempt ends.
	j, a := claim(t, s, clk.Now(), "m0")
	j, err := s.CancelJob(ctx, j.ID, "alice")
	if err != nil || j.State != store.Dialing || !j.CancelRequested {
		t.Fatalf("%+v %v", j, err)
	}
	j, err = s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Retry, RetryAt: clk.Now(), ReasonCode: "hung up"})
	if err != nil || j.State != store.Cancelled {
		t.Fatalf("%+v %v", j, err)
	}
	// Queued: at once.
	j, err = s.CancelJob(ctx, m.Jobs[1].ID, "alice")
	if err != nil || j.State != store.Cancelled || j.ReasonText != "cancelled by alice" {
		t.Fatalf("%+v %v", j, err)
	}
	_, err = s.RetryNow(ctx, j.ID, "alice")
	wantErr(t, err, store.ErrIllegalTransition)
	// Delivered despite a cancel request stays delivered.
	j, a = claim(t, s, clk.Now(), "m0")
	s.RecordConnected(ctx, a.ID, store.Params{})
	s.CancelJob(ctx, j.ID, "alice")
	s.RecordPageConfirmed(ctx, a.ID, 1)
	if j, err = s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Delivered}); err != nil || j.State != store.Delivered {
		t.Fatalf("%+v %v", j, err)
	}
	if got, _ := s.GetMessage(ctx, m.ID); got.State != store.MessagePartial {
		t.Fatalf("message %v", got.State)
	}
}

func TestClockNotSet(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	cfg := testConfig(t, clk)
	s := open(t, cfg)
	newMessage(t, s, 1, 1)
	boot := time.Date(1970, 1, 1, 0, 0, 42, 0, time.UTC)
	cfg.Now = func() time.Time { return boot }
	s.Close()
	s = open(t, cfg) // opening and reading need no clock
	if list, err := s.ListMessages(ctx, store.ListOptions{}); err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	_, err := s.CreateUser(ctx, "bob")
	wantErr(t, err, store.ErrClockNotSet)
	_, _, err = s.NextJob(ctx, boot)
	wantErr(t, err, store.ErrClockNotSet)
	_, err = s.Recover(ctx, boot)
	wantErr(t, err, store.ErrClockNotSet)
	_, err = s.AppendEvent(ctx, "x", 0, nil)
	wantErr(t, err, store.ErrClockNotSet)
}

func TestReceived(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	r, err := s.AddReceived(ctx, store.Received{Modem: "m0", CallerIdent: "ACME", CallerID: "+3225559999", Pages: 2,
		Quality: "good", Partial: true, Duration: 95 * time.Second, Path: "inbox/1.tif", Files: pages(2)})
	if err != nil || r.ID == 0 || !r.At.Equal(clk.Now()) {
		t.Fatal(r, err)
	}
	s.AddReceived(ctx, store.Received{Pages: 1})
	list, err := s.ListReceived(ctx, store.ListOptions{})
	if err != nil || len(list) != 2 || list[1].ID != r.ID || list[1].Files != nil {
		t.Fatal(list, err)
	}
	got, err := s.GetReceived(ctx, r.ID)
	if err != nil || got.CallerIdent != "ACME" || !got.Partial || got.Duration != 95*time.Second || len(got.Files) != 2 || got.Files[1].SHA256 != sha(2) {
		t.Fatalf("%+v %v", got, err)
	}
	_, err = s.GetReceived(ctx, 99)
	wantErr(t, err, store.ErrNotFound)
}
