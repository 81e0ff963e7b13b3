package installer_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/installer"
	"faxbox/firmware/settings"
	"faxbox/firmware/store"
	"faxbox/sip"
	"faxbox/sipline"
)

// TestStatusSIPAccounts: the console's status shows each SIP account's
// registration, why it fails in words and the SIP status, the next
// REGISTER and the calls in progress.
func TestStatusSIPAccounts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir = dir
	db := filepath.Join(dir, "faxbox.db")
	st, err := store.Open(ctx, store.Config{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	led, err := billing.Open(ctx, billing.Config{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	next := time.Date(2026, 12, 7, 20, 9, 0, 0, time.UTC)
	b, err := installer.NewBackend(installer.Config{Config: cfg, Settings: settings.New(cfg, filepath.Join(dir, "faxbox.toml")),
		DataDir: dir, Store: st, Ledger: led, SIP: func() []sipline.Status {
			return []sipline.Status{
				{Name: "sip0", Registrar: "pbx.example.com", State: sipline.RegFailing, Reason: sip.ReasonAuth, Status: 403,
					Detail: "Forbidden", Next: next, Lines: []string{"sip0/1", "sip0/2"}, Calls: 1},
				{Name: "sip1", State: sipline.RegNone, Lines: []string{"sip1/1"}},
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.SIP) != 2 {
		t.Fatalf("SIP %+v", s.SIP)
	}
	want := "sip0       failing at pbx.example.com: auth-failed: SIP 403 (Forbidden), next REGISTER 2026-12-07 20:09:00, 1 of 2 lines in a call"
	if got := s.SIP[0].String(); got != want {
		t.Errorf("sip0: %q\nwant %q", got, want)
	}
	if got := s.SIP[1].String(); got != "sip1       not registering, 0 of 1 lines in a call" {
		t.Errorf("sip1: %q", got)
	}
}
