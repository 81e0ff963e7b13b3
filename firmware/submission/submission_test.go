package submission_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/firmware/submission"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox"
)

func open(t *testing.T, topUp billing.Amount) (*submission.Submitter, *store.Store) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "faxbox.db")
	st, err := store.Open(ctx, store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	led, err := billing.Open(ctx, billing.Config{Path: path, InstallDefaultTariff: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	if _, err := st.CreateUser(ctx, "anne"); err != nil {
		t.Fatal(err)
	}
	if topUp > 0 {
		if _, err := led.TopUp(ctx, topUp, "test", "test credit"); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := submission.New(submission.Config{Store: st, Ledger: led, Renderer: sandbox.NewDirect(render.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	return sub, st
}

func number(t *testing.T, s string) numbers.Number {
	t.Helper()
	n, err := (&numbers.Parser{}).Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSubmit: a message to a Bcc and a To recipient (one number named
// twice) is stored with one job per distinct number, each with its own
// copy of the pages on disk, priced, and the message's shared pages are
// not the Bcc recipient's copy.
func TestSubmit(t *testing.T) {
	sub, st := open(t, 100*billing.Unit)
	ctx := context.Background()
	bcc, to := number(t, "+32 2 555 12 12"), number(t, "+32 2 555 12 13")
	rcpts := submission.Recipients([]numbers.Number{to}, nil, []numbers.Number{bcc, to})
	if len(rcpts) != 2 || rcpts[0].Field != store.To || rcpts[1].Field != store.Bcc {
		t.Fatalf("Recipients: %+v, want to then bcc, the number named twice once", rcpts)
	}
	rcpts[0], rcpts[1] = rcpts[1], rcpts[0] // Bcc first: the shared pages must be drawn apart
	res, err := sub.Submit(ctx, submission.Message{Sender: store.User{ID: 1, Name: "anne"}, From: render.Party{Name: "Anne"},
		Recipients: rcpts, Subject: "Hello", Body: "A first fax."})
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages < 1 || res.Estimate <= 0 {
		t.Errorf("result %+v, want pages and a price", res)
	}
	m, err := st.GetMessage(ctx, res.Message.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Jobs) != 2 || m.Jobs[0].PagesTotal != res.Pages {
		t.Fatalf("jobs %+v, want two of %d pages", m.Jobs, res.Pages)
	}
	dirs, _ := filepath.Glob(filepath.Join(st.Dir(), "messages", "*", "*"))
	var names []string
	for _, d := range dirs {
		names = append(names, filepath.Base(d))
	}
	if len(names) != 3 { // r1, r2 and shared
		t.Errorf("page directories %v, want each recipient's copy and the shared pages", names)
	}
}

// TestSubmitRefused: no recipient is invalid; a submission over the
// credit rules draws no page and stores nothing.
func TestSubmitRefused(t *testing.T) {
	sub, st := open(t, 0)
	ctx := context.Background()
	if _, err := sub.Submit(ctx, submission.Message{Subject: "x"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("no recipient: %v, want store.ErrInvalid", err)
	}
	_, err := sub.Submit(ctx, submission.Message{Sender: store.User{ID: 1, Name: "anne"},
		Recipients: submission.Recipients([]numbers.Number{number(t, "+32 2 555 12 12")}, nil, nil), Subject: "x"})
	var re *submission.RenderError
	if !errors.Is(err, billing.ErrInsufficientCredit) || errors.As(err, &re) {
		t.Errorf("a submission without credit: %v, want billing.ErrInsufficientCredit, not the renderer's", err)
	}
	if es, _ := os.ReadDir(filepath.Join(st.Dir(), "messages")); len(es) != 0 {
		t.Errorf("a refused submission left %d page directories", len(es))
	}
	if ms, _ := st.ListMessages(ctx, store.ListOptions{}); len(ms) != 0 {
		t.Errorf("a refused submission was stored: %+v", ms)
	}
}
