//go:build makefixture

package dbcompat

// This file wrote testdata/faxbox-v1.db with the packages as they were
// before every schema moved under sqlitedb.Migrate (each package opening
// the file itself; the ledger's tables unprefixed under PRAGMA
// user_version; notify and mailgw creating their tables if missing):
//
//	go test -tags makefixture -run TestMakeFixture ./firmware/dbcompat/
//
// Run with today's packages it writes a database of today's schema,
// which is no longer the old layout the fixture test is about: keep the
// committed file.

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/contacts"
	"faxbox/firmware/mailgw"
	"faxbox/firmware/notify"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
)

type seeded struct{ r *rand.ChaCha8 }

func (s seeded) Read(p []byte) (int, error) { return s.r.Read(p) }

type downRelay struct{}

func (downRelay) Send(context.Context, *notify.Message) error {
	return errors.New("relay down (the fixture's notice stays pending)")
}

func TestMakeFixture(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return fixtureTime }
	path := filepath.Join(t.TempDir(), "faxbox.db")
	st, err := store.Open(ctx, store.Config{Path: path, MaxAttempts: 3, Now: now})
	must(t, err)
	key, err := billing.GenerateIssuerKey(seeded{rand.NewChaCha8([32]byte{1})})
	must(t, err)
	led, err := billing.Open(ctx, billing.Config{Path: path, Now: now, Keys: []billing.TrustedKey{key.Trusted()},
		InstallDefaultTariff: true, Location: time.UTC})
	must(t, err)
	acc, err := users.Open(ctx, users.Config{Path: path, Accounts: st, Now: now})
	must(t, err)
	parser, err := numbers.NewParser("BE")
	must(t, err)
	book, err := contacts.Open(ctx, contacts.Config{Path: path, Numbers: parser, Now: now})
	must(t, err)
	seen, err := mailgw.OpenSeen(ctx, path)
	must(t, err)
	w, err := notify.NewWatcher(ctx, notify.WatcherConfig{Store: st, Database: path, Mailer: downRelay{},
		From: "faxbox@example.com", Now: now,
		Address: func(context.Context, int64) (string, error) { return "alice@example.com", nil }})
	must(t, err)

	// Accounts: an administrator and a user, a session, audit rows.
	_, err = acc.Setup(ctx, users.NewUser{Name: "admin", Email: "admin@example.com", Password: adminPassword, Admin: true})
	must(t, err)
	alice, err := acc.Create(ctx, "admin", users.NewUser{Name: "alice", Email: "alice@example.com", Password: alicePassword})
	must(t, err)
	_, err = acc.Login(ctx, "alice", alicePassword, "192.0.2.7")
	must(t, err)
	must(t, acc.Record(ctx, "admin", "fixture", "a row of the audit log"))

	// Credit: a top-up, a redeemed voucher, a second tariff version, a
	// settled call and an open one (a crash mid-call).
	_, err = led.TopUp(ctx, 50*billing.Unit, "admin", "first top-up")
	must(t, err)
	code, err := billing.IssueVoucher(key, 25*billing.Unit, billing.EUR, seeded{rand.NewChaCha8([32]byte{2})}, fixtureTime)
	must(t, err)
	_, err = led.Redeem(ctx, code, "admin")
	must(t, err)
	_, tab, err := led.TariffAt(ctx, fixtureTime)
	must(t, err)
	_, err = led.SetTariff(ctx, tab, fixtureTime.Add(-time.Hour), "admin", "second version")
	must(t, err)
	must(t, led.SetUserLimit(ctx, "alice", 30*billing.Unit, "admin"))

	// Messages: one to two numbers; the first job delivered after a busy
	// attempt, the second failed (its notice pending on a relay that is
	// down).
	m, err := st.CreateMessage(ctx, store.NewMessage{Sender: alice.ID, Subject: "Invoice 42", Body: "Please find attached.",
		Recipients: []store.Recipient{{Field: store.To, Number: "+3225551212", Name: "Bob"}, {Field: store.Cc, Number: "+3225551313", Name: "Carol"}},
		Pages:      []store.PageFile{{Index: 1, Path: "pages/1/1.g3", SHA256: sha('a')}, {Index: 2, Path: "pages/1/2.g3", SHA256: sha('b')}}})
	must(t, err)
	_, err = w.Poll(ctx) // the cursor, before any job ended
	must(t, err)
	for i, o := range []store.Outcome{
		{Next: store.Retry, RetryAt: fixtureTime, ReasonCode: "busy", ReasonText: "the line was busy"},
		{Next: store.Delivered, Duration: 70 * time.Second},
		{Next: store.Failed, ReasonCode: "no-answer", ReasonText: "no answer", Duration: 0},
	} {
		j, ok, err := st.NextJob(ctx, fixtureTime)
		if err != nil || !ok {
			t.Fatalf("attempt %d: NextJob %v %v", i, ok, err)
		}
		a, err := st.StartAttempt(ctx, j.ID, "ttyUSB0")
		must(t, err)
		callID := "job" + itoa(j.ID) + "/attempt" + itoa(a.ID)
		_, err = led.BeginCall(ctx, billing.CallRequest{ID: callID, Job: itoa(j.ID), User: "alice", Number: j.Recipient.Number, Country: "BE", Pages: 2})
		must(t, err)
		if o.Next == store.Delivered {
			must(t, st.RecordConnected(ctx, a.ID, store.Params{}))
			for p := 1; p <= 2; p++ {
				_, err := st.RecordPageConfirmed(ctx, a.ID, p)
				must(t, err)
			}
		}
		_, err = led.Settle(ctx, callID, o.Next == store.Delivered, o.Duration)
		must(t, err)
		_, err = st.FinishAttempt(ctx, a.ID, o)
		must(t, err)
	}
	_, err = led.BeginCall(ctx, billing.CallRequest{ID: "job99/attempt1", Job: "99", User: "alice", Number: "+3225551414", Country: "BE", Pages: 1})
	must(t, err)
	_, err = w.Poll(ctx)
	must(t, err)

	// The address book and the mail gateway's memory of a Message-ID.
	_, err = book.Create(ctx, contacts.Contact{Name: "Bob", Company: "Acme", Numbers: []contacts.Number{{Label: "fax", Number: "+3225551212"}}})
	must(t, err)
	_, err = book.Create(ctx, contacts.Contact{Name: "Carol", Numbers: []contacts.Number{{Label: "fax", Number: "02 555 13 13"}, {Label: "mobile", Number: "+32470123456"}}})
	must(t, err)
	_, err = seen.Once(ctx, mailgw.Submission{Sender: mailgw.Account{ID: alice.ID, Name: "alice"}, MessageID: fixtureMessageID},
		func() (mailgw.Receipt, error) {
			return mailgw.Receipt{Message: m.ID, Pages: 2, Estimate: "1.20 EUR"}, nil
		})
	must(t, err)

	for _, c := range []interface{ Close() error }{w, seen, book, acc, led, st} {
		must(t, c.Close())
	}
	b, err := os.ReadFile(path) // closed: the write-ahead log is checkpointed into the file
	must(t, err)
	must(t, os.WriteFile(filepath.Join("testdata", fixtureFile), b, 0o644))
}
