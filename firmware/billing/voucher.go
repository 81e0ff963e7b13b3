package billing

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// A voucher code is one line of text:
//
//	FBV1.<key id>.<voucher id>.<currency>.<amount>.<issued>.<signature>
//
// for example
//
//	FBV1.3f9a1c0e.5d41402abc4b2a76b9719d911017c592.EUR.25.00.20260301.<86 base64url chars>
//
// The signature is Ed25519 over everything before the last '.', so the
// amount and currency are inside the signed text. The key id is the first
// 4 bytes of SHA-256 of the public key, in hex; the voucher id is 16
// random bytes in hex; amount has the currency's decimals; issued is the
// UTC date.
const voucherMagic = "FBV1"

// Text forms of voucher keys.
const (
	issuerKeyPrefix  = "faxbox-voucher-issuer-v1"
	trustedKeyPrefix = "faxbox-voucher-key-v1"
)

// Sentinels matched with errors.Is against a *VoucherError.
var (
	ErrVoucherMalformed  = errors.New("billing: voucher malformed")
	ErrVoucherForged     = errors.New("billing: voucher signature invalid")
	ErrVoucherUnknownKey = errors.New("billing: voucher key not trusted")
	ErrVoucherKeyExpired = errors.New("billing: voucher key retired")
	ErrVoucherCurrency   = errors.New("billing: voucher in another currency")
	ErrVoucherRedeemed   = errors.New("billing: voucher already redeemed")
)

// VoucherError says why a voucher was refused; Reason is one of the
// ErrVoucher sentinels and Msg explains it to the person redeeming.
type VoucherError struct {
	Reason error
	Msg    string
}

// Error returns the explanation.
func (e *VoucherError) Error() string { return "billing: voucher refused: " + e.Msg }

// Unwrap returns the reason sentinel.
func (e *VoucherError) Unwrap() error { return e.Reason }

// IssuerKey is a reseller's private key for issuing vouchers.
type IssuerKey struct {
	ID      string // 8 hex digits identifying the public key
	Private ed25519.PrivateKey
}

// TrustedKey is a reseller public key the appliance accepts vouchers from.
type TrustedKey struct {
	ID     string // 8 hex digits, KeyID(Public)
	Public ed25519.PublicKey
	// NotAfter, if set, retires the key: vouchers signed with it are
	// refused after this time (the reseller rotated to a new key).
	NotAfter time.Time
}

// KeyID returns the id of a public key: the first 4 bytes of its SHA-256
// in hex.
func KeyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:4])
}

// GenerateIssuerKey makes a new reseller key pair from random (nil means
// crypto/rand). This is `faxd voucher keygen`.
func GenerateIssuerKey(random io.Reader) (IssuerKey, error) {
	if random == nil {
		random = rand.Reader
	}
	pub, priv, err := ed25519.GenerateKey(random)
	if err != nil {
		return IssuerKey{}, fmt.Errorf("billing: voucher keygen: %w", err)
	}
	return IssuerKey{ID: KeyID(pub), Private: priv}, nil
}

// Trusted returns the public half, for the appliances' configuration.
func (k IssuerKey) Trusted() TrustedKey {
	pub := k.Private.Public().(ed25519.PublicKey)
	return TrustedKey{ID: KeyID(pub), Public: pub}
}

// MarshalText writes "faxbox-voucher-issuer-v1 <id> <base64 seed>".
func (k IssuerKey) MarshalText() ([]byte, error) {
	if len(k.Private) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("billing: voucher key: no private key")
	}
	return []byte(fmt.Sprintf("%s %s %s", issuerKeyPrefix, k.ID, base64.StdEncoding.EncodeToString(k.Private.Seed()))), nil
}

// ParseIssuerKey reads what IssuerKey.MarshalText wrote.
func ParseIssuerKey(text []byte) (IssuerKey, error) {
	f := strings.Fields(string(text))
	if len(f) != 3 || f[0] != issuerKeyPrefix {
		return IssuerKey{}, fmt.Errorf("billing: not a voucher issuer key (want %q)", issuerKeyPrefix+" ID SEED")
	}
	seed, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil || len(seed) != ed25519.SeedSize {
		return IssuerKey{}, fmt.Errorf("billing: voucher issuer key: bad seed")
	}
	k := IssuerKey{Private: ed25519.NewKeyFromSeed(seed)}
	k.ID = KeyID(k.Private.Public().(ed25519.PublicKey))
	if k.ID != f[1] {
		return IssuerKey{}, fmt.Errorf("billing: voucher issuer key: id %s does not match the key (%s)", f[1], k.ID)
	}
	return k, nil
}

// MarshalText writes "faxbox-voucher-key-v1 <id> <base64 public key>",
// the line an administrator adds to the appliance configuration.
func (k TrustedKey) MarshalText() ([]byte, error) {
	if len(k.Public) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("billing: voucher key: no public key")
	}
	return []byte(fmt.Sprintf("%s %s %s", trustedKeyPrefix, KeyID(k.Public), base64.StdEncoding.EncodeToString(k.Public))), nil
}

// ParseTrustedKey reads what TrustedKey.MarshalText wrote.
func ParseTrustedKey(text []byte) (TrustedKey, error) {
	f := strings.Fields(string(text))
	if len(f) != 3 || f[0] != trustedKeyPrefix {
		return TrustedKey{}, fmt.Errorf("billing: not a voucher public key (want %q)", trustedKeyPrefix+" ID KEY")
	}
	pub, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return TrustedKey{}, fmt.Errorf("billing: voucher public key: bad key")
	}
	if KeyID(pub) != f[1] {
		return TrustedKey{}, fmt.Errorf("billing: voucher public key: id %s does not match the key (%s)", f[1], KeyID(pub))
	}
	return TrustedKey{ID: f[1], Public: pub}, nil
}

// Voucher is a verified voucher.
type Voucher struct {
	ID       string // 32 hex digits, unique per voucher
	KeyID    string // the issuing key
	Currency Currency
	Amount   Amount
	Issued   time.Time // UTC date
}

// IssueVoucher makes a voucher code for amount of currency signed with
// key, with a random id from random (nil means crypto/rand). This is
// `faxd voucher issue`, run by the reseller.
func IssueVoucher(key IssuerKey, amount Amount, currency Currency, random io.Reader, now time.Time) (string, error) {
	if !currency.Valid() {
		return "", fmt.Errorf("billing: issue voucher: unknown currency %q", currency)
	}
	if err := checkAmount(amount); err != nil || amount%currency.Minor() != 0 {
		return "", fmt.Errorf("billing: issue voucher: %w: %s must be positive, in whole %s minor units", ErrInvalidAmount, currency.FormatNumber(amount), currency)
	}
	if len(key.Private) != ed25519.PrivateKeySize {
		return "", fmt.Errorf("billing: issue voucher: no private key")
	}
	if random == nil {
		random = rand.Reader
	}
	var id [16]byte
	if _, err := io.ReadFull(random, id[:]); err != nil {
		return "", fmt.Errorf("billing: issue voucher: %w", err)
	}
	body := strings.Join([]string{voucherMagic, KeyID(key.Private.Public().(ed25519.PublicKey)), hex.EncodeToString(id[:]),
		string(currency), currency.FormatNumber(amount), now.UTC().Format("20060102")}, ".")
	sig := ed25519.Sign(key.Private, []byte(body))
	return body + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// VerifyVoucher checks a voucher code offline against the trusted keys
// and the appliance currency at time now, and returns what it is worth.
// It does not know whether the voucher was redeemed: Ledger.Redeem does.
func VerifyVoucher(code string, keys []TrustedKey, currency Currency, now time.Time) (Voucher, error) {
	malformed := func(what string) (Voucher, error) {
		return Voucher{}, &VoucherError{Reason: ErrVoucherMalformed, Msg: "this is not a Faxbox voucher code (" + what + "): check that it was copied whole"}
	}
	code = strings.Join(strings.Fields(code), "") // codes may be wrapped or pasted with blanks
	i := strings.LastIndexByte(code, '.')
	if i < 0 {
		return malformed("no signature")
	}
	body, sigText := code[:i], code[i+1:]
	// The amount holds a '.', so the body has 6 or 7 fields.
	f := strings.Split(body, ".")
	if len(f) < 6 || len(f) > 7 || f[0] != voucherMagic {
		return malformed("wrong format")
	}
	keyID, id, cur, date := f[1], f[2], Currency(f[3]), f[len(f)-1]
	amountText := strings.Join(f[4:len(f)-1], ".")
	if len(keyID) != 8 || len(id) != 32 || strings.Trim(keyID+id, "0123456789abcdef") != "" {
		return malformed("bad key or voucher id")
	}
	sig, err := base64.RawURLEncoding.DecodeString(sigText)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return malformed("bad signature encoding")
	}
	var key *TrustedKey
	for i := range keys {
		if KeyID(keys[i].Public) == keyID {
			key = &keys[i]
			break
		}
	}
	if key == nil {
		return Voucher{}, &VoucherError{Reason: ErrVoucherUnknownKey,
			Msg: fmt.Sprintf("it was signed with key %s, which this Faxbox does not trust: ask your reseller, or add their public key to the configuration", keyID)}
	}
	if !ed25519.Verify(key.Public, []byte(body), sig) {
		return Voucher{}, &VoucherError{Reason: ErrVoucherForged,
			Msg: fmt.Sprintf("its signature does not match key %s: the code was altered or forged", keyID)}
	}
	if !key.NotAfter.IsZero() && now.After(key.NotAfter) {
		return Voucher{}, &VoucherError{Reason: ErrVoucherKeyExpired,
			Msg: fmt.Sprintf("key %s was retired on %s: ask your reseller for a new voucher", keyID, key.NotAfter.UTC().Format("2006-01-02"))}
	}
	if !cur.Valid() {
		return malformed("unknown currency")
	}
	if cur != currency {
		return Voucher{}, &VoucherError{Reason: ErrVoucherCurrency,
			Msg: fmt.Sprintf("it is worth %s %s but this Faxbox counts in %s: ask your reseller for a %s voucher", amountText, cur, currency, currency)}
	}
	amount, err := cur.Parse(amountText)
	if err != nil || amount <= 0 || cur.FormatNumber(amount) != amountText {
		return malformed("bad amount")
	}
	issued, err := time.Parse("20060102", date)
	if err != nil {
		return malformed("bad date")
	}
	return Voucher{ID: id, KeyID: keyID, Currency: cur, Amount: amount, Issued: issued}, nil
}

// Redeem verifies a voucher code (Config.Keys, the appliance currency) and
// adds its amount to the balance as a top-up recorded with the voucher id,
// in one immediate transaction. A voucher is redeemable once: a second
// attempt is a *VoucherError matching ErrVoucherRedeemed that says when.
func (l *Ledger) Redeem(ctx context.Context, code, who string) (Entry, error) {
	now := l.cfg.Now()
	v, err := VerifyVoucher(code, l.cfg.Keys, l.cfg.Currency, now)
	if err != nil {
		return Entry{}, err
	}
	var out Entry
	err = l.tx(ctx, "redeem voucher", func(tx *sql.Tx) error {
		at, err := l.now()
		if err != nil {
			return err
		}
		var when int64
		var by string
		err = tx.QueryRowContext(ctx, `SELECT at, who FROM ledger_entries WHERE voucher = ?`, v.ID).Scan(&when, &by)
		if err == nil {
			return &VoucherError{Reason: ErrVoucherRedeemed,
				Msg: fmt.Sprintf("it was already redeemed on %s by %s", fromMicros(when).Format("2006-01-02 15:04 MST"), by)}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("billing: redeem: %w", err)
		}
		out, err = l.appendEntry(ctx, tx, Entry{At: at, Kind: KindTopUp, Amount: v.Amount, Who: who,
			Why: fmt.Sprintf("voucher %s… from key %s, issued %s", v.ID[:8], v.KeyID, v.Issued.Format("2006-01-02")), Voucher: v.ID})
		if isConstraint(err) {
			return &VoucherError{Reason: ErrVoucherRedeemed, Msg: "it was already redeemed"}
		}
		return err
	})
	if err != nil {
		return Entry{}, err
	}
	return out, nil
}
