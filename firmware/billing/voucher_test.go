package billing_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
)

// seeded is a deterministic random source for key generation in tests.
type seeded struct{ r *rand.ChaCha8 }

func (s seeded) Read(p []byte) (int, error) { return s.r.Read(p) }

func newRand(seed byte) seeded { return seeded{rand.NewChaCha8([32]byte{seed})} }

func TestVoucherKeysText(t *testing.T) {
	k, err := billing.GenerateIssuerKey(newRand(1))
	if err != nil {
		t.Fatal(err)
	}
	text, _ := k.MarshalText()
	back, err := billing.ParseIssuerKey(text)
	if err != nil || back.ID != k.ID || !back.Private.Equal(k.Private) {
		t.Fatalf("issuer key round trip: %v", err)
	}
	pub, _ := k.Trusted().MarshalText()
	tk, err := billing.ParseTrustedKey(pub)
	if err != nil || tk.ID != k.ID || !tk.Public.Equal(k.Trusted().Public) {
		t.Fatalf("public key round trip: %v", err)
	}
	if !strings.HasPrefix(string(pub), "faxbox-voucher-key-v1 "+k.ID+" ") {
		t.Errorf("public key text %q", pub)
	}
	if _, err := billing.ParseTrustedKey([]byte(strings.Replace(string(pub), k.ID, "00000000", 1))); err == nil {
		t.Error("public key with wrong id accepted")
	}
	if _, err := billing.ParseIssuerKey(pub); err == nil {
		t.Error("public key parsed as private")
	}
}

func TestVoucherRedeem(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	oldKey, _ := billing.GenerateIssuerKey(newRand(1))
	newKey, _ := billing.GenerateIssuerKey(newRand(2))
	strange, _ := billing.GenerateIssuerKey(newRand(3))
	retired := oldKey.Trusted()
	retired.NotAfter = clk.Now().Add(24 * time.Hour)
	cfg := testConfig(t, clk)
	cfg.Keys = []billing.TrustedKey{retired, newKey.Trusted()}
	l := open(t, cfg)

	code, err := billing.IssueVoucher(newKey, eur("25.00"), billing.EUR, newRand(9), clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(code, "FBV1."+newKey.ID+".") || !strings.Contains(code, ".EUR.25.00.20260310.") {
		t.Errorf("code %q", code)
	}
	v, err := billing.VerifyVoucher(code, cfg.Keys, billing.EUR, clk.Now())
	if err != nil || v.Amount != eur("25") || v.KeyID != newKey.ID || v.Currency != billing.EUR {
		t.Fatalf("verify: %+v %v", v, err)
	}
	// Pasted with a line break and blanks.
	e, err := l.Redeem(ctx, " "+code[:40]+"\n  "+code[40:]+" ", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if e.Kind != billing.KindTopUp || e.Amount != eur("25") || e.Voucher != v.ID || e.Balance != eur("25") {
		t.Errorf("%+v", e)
	}

	oldCode, _ := billing.IssueVoucher(oldKey, eur("10"), billing.EUR, newRand(10), clk.Now())
	usdCode, _ := billing.IssueVoucher(newKey, eur("10"), "USD", newRand(11), clk.Now())
	strangeCode, _ := billing.IssueVoucher(strange, eur("10"), billing.EUR, newRand(12), clk.Now())
	altered := strings.Replace(code, ".EUR.25.00.", ".EUR.95.00.", 1)
	// Forged: signed by another key but claiming newKey's id.
	forged := "FBV1." + newKey.ID + strings.TrimPrefix(strangeCode, "FBV1."+strange.ID)
	sig := code[strings.LastIndexByte(code, '.')+1:]
	flipped := code[:len(code)-len(sig)] + string(sig[0]^1) + sig[1:]

	tests := []struct {
		name, code string
		want       error
		says       string
	}{
		{"replayed", code, billing.ErrVoucherRedeemed, "already redeemed on 2026-03-10 09:00 UTC by alice"},
		{"altered amount", altered, billing.ErrVoucherForged, "altered or forged"},
		{"forged", forged, billing.ErrVoucherForged, "altered or forged"},
		{"bad signature", flipped, billing.ErrVoucherForged, "altered or forged"},
		{"unknown key", strangeCode, billing.ErrVoucherUnknownKey, "does not trust"},
		{"wrong currency", usdCode, billing.ErrVoucherCurrency, "counts in EUR"},
		{"truncated", code[:50], billing.ErrVoucherMalformed, "copied whole"},
		{"garbage", "hello", billing.ErrVoucherMalformed, "not a Faxbox voucher"},
	}
	for _, tt := range tests {
		_, err := l.Redeem(ctx, tt.code, "bob")
		var ve *billing.VoucherError
		if !errors.Is(err, tt.want) || !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: %v, want %v saying %q", tt.name, err, tt.want, tt.says)
		}
	}
	// The retired key still works until its NotAfter, then not.
	if _, err := l.Redeem(ctx, oldCode, "alice"); err != nil {
		t.Errorf("old key before retirement: %v", err)
	}
	oldCode2, _ := billing.IssueVoucher(oldKey, eur("10"), billing.EUR, newRand(13), clk.Now())
	clk.Advance(48 * time.Hour)
	if _, err := l.Redeem(ctx, oldCode2, "alice"); !errors.Is(err, billing.ErrVoucherKeyExpired) || !strings.Contains(err.Error(), "retired on 2026-03-11") {
		t.Errorf("retired key: %v", err)
	}
	a, _ := l.Account(ctx, "")
	if a.Balance != eur("35") {
		t.Errorf("balance %+v", a)
	}
	mustCheck(t, l)

	// Issuing refuses sub-cent amounts and unknown currencies.
	if _, err := billing.IssueVoucher(newKey, 1, billing.EUR, nil, clk.Now()); !errors.Is(err, billing.ErrInvalidAmount) {
		t.Errorf("sub-cent voucher: %v", err)
	}
	if _, err := billing.IssueVoucher(newKey, eur("1"), "XYZ", nil, clk.Now()); err == nil {
		t.Error("XYZ voucher issued")
	}
	jpy, err := billing.IssueVoucher(newKey, 1000*billing.Unit, "JPY", nil, clk.Now())
	if err != nil || !strings.Contains(jpy, ".JPY.1000.") {
		t.Errorf("JPY voucher %q %v", jpy, err)
	}
}
