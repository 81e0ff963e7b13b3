package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"faxbox/firmware/billing"
)

// runVoucher implements "faxd voucher keygen|issue|redeem": the reseller
// makes a key pair and issues signed credit vouchers; the appliance
// redeems them into its ledger.
func runVoucher(args []string, stdout, stderr io.Writer) error {
	subs := map[string]func([]string, io.Writer, io.Writer) error{
		"keygen": runVoucherKeygen,
		"issue":  runVoucherIssue,
		"redeem": runVoucherRedeem,
	}
	if len(args) > 0 {
		if f, ok := subs[args[0]]; ok {
			return f(args[1:], stdout, stderr)
		}
		if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			voucherUsage(stderr)
			return flag.ErrHelp
		}
		fmt.Fprintf(stderr, "faxd voucher: unknown subcommand %q\n", args[0])
	}
	voucherUsage(stderr)
	return errUsage
}

func voucherUsage(w io.Writer) {
	fmt.Fprint(w, `usage:
  faxd voucher keygen [--out PREFIX]
      make a reseller key pair: PREFIX.key (private, keep it secret) and
      PREFIX.pub (the public key line for the appliances' configuration)
  faxd voucher issue --key PRIVATE.key --amount 25.00 [--currency EUR] [--key-id ID]
      print a signed voucher code worth the amount
  faxd voucher redeem --db LEDGER.db --trust KEYS.pub [--user NAME] [--currency EUR] CODE
      add a voucher's credit to the ledger and print the new balance

Run 'faxd voucher SUBCOMMAND -h' for its options.
`)
}

// runVoucherKeygen implements "faxd voucher keygen".
func runVoucherKeygen(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("voucher keygen", "voucher keygen [--out PREFIX]", stderr)
	prefix := fl.String("out", "faxbox-voucher", "write the private key to PREFIX.key and the public key line to PREFIX.pub")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 0 || *prefix == "" {
		fl.Usage()
		return errUsage
	}
	k, err := billing.GenerateIssuerKey(nil)
	if err != nil {
		return err
	}
	priv, err := k.MarshalText()
	if err != nil {
		return err
	}
	pub, err := k.Trusted().MarshalText()
	if err != nil {
		return err
	}
	keyFile, pubFile := *prefix+".key", *prefix+".pub"
	// Never overwrite a key: the vouchers it signed would become
	// unverifiable once its public half is replaced.
	for _, name := range []string{keyFile, pubFile} {
		if _, err := os.Lstat(name); err == nil {
			return fmt.Errorf("%s already exists: refusing to overwrite a voucher key (choose another --out)", name)
		}
	}
	if err := writeNewFile(keyFile, append(priv, '\n'), 0o600); err != nil {
		return err
	}
	if err := writeNewFile(pubFile, append(pub, '\n'), 0o644); err != nil {
		os.Remove(keyFile)
		return err
	}
	fmt.Fprintf(stderr, "faxd voucher keygen: key %s: private key in %s (keep it secret), public key in %s (add its line to the appliances' trusted voucher keys)\n",
		k.ID, keyFile, pubFile)
	_, err = fmt.Fprintf(stdout, "%s\n", pub)
	return err
}

// writeNewFile creates name, which must not exist, with data.
func writeNewFile(name string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// runVoucherIssue implements "faxd voucher issue".
func runVoucherIssue(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("voucher issue", "voucher issue --key PRIVATE.key --amount 25.00 [--currency EUR] [--key-id ID]", stderr)
	keyFile := fl.String("key", "", "the reseller's private key file, from faxd voucher keygen (required)")
	amountText := fl.String("amount", "", "what the voucher is worth, for example 25.00 (required)")
	curText := fl.String("currency", "EUR", "ISO 4217 currency of the amount; it must be the appliance's")
	keyID := fl.String("key-id", "", "refuse to issue unless the key file holds the key with this id (8 hex digits)")
	if err := parseInterspersed(fl, args); err != nil {
		return err
	}
	if fl.NArg() != 0 || *keyFile == "" || *amountText == "" {
		fl.Usage()
		return errUsage
	}
	cur, err := billing.ParseCurrency(*curText)
	if err != nil {
		return fmt.Errorf("--currency %q: not an ISO 4217 currency code", *curText)
	}
	amount, err := cur.Parse(*amountText)
	if err != nil {
		return fmt.Errorf("--amount %q: want a decimal amount such as 25.00", *amountText)
	}
	if amount <= 0 {
		return fmt.Errorf("--amount %s: a voucher must be worth more than nothing", *amountText)
	}
	if amount%cur.Minor() != 0 {
		return fmt.Errorf("--amount %s: %s has %d decimals", *amountText, cur, cur.Digits())
	}
	text, err := os.ReadFile(*keyFile)
	if err != nil {
		return err
	}
	key, err := billing.ParseIssuerKey(text)
	if err != nil {
		return fmt.Errorf("%s: %s", *keyFile, trimBilling(err))
	}
	if *keyID != "" && !strings.EqualFold(*keyID, key.ID) {
		return fmt.Errorf("%s holds key %s, not %s", *keyFile, key.ID, *keyID)
	}
	code, err := billing.IssueVoucher(key, amount, cur, nil, time.Now())
	if err != nil {
		return errors.New(trimBilling(err))
	}
	fmt.Fprintf(stderr, "faxd voucher issue: %s with key %s\n", cur.Format(amount), key.ID)
	_, err = fmt.Fprintln(stdout, code)
	return err
}

// runVoucherRedeem implements "faxd voucher redeem".
func runVoucherRedeem(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("voucher redeem", "voucher redeem --db LEDGER.db --trust KEYS.pub [--user NAME] [--currency EUR] CODE", stderr)
	var lf ledgerFlags
	lf.register(fl)
	trust := fl.String("trust", "", "file of trusted reseller public keys, one key line (from faxd voucher keygen) per line (required)")
	user := fl.String("user", "admin", "who redeems the voucher, for the ledger")
	if err := parseInterspersed(fl, args); err != nil {
		return err
	}
	if fl.NArg() == 0 || lf.db == "" || *trust == "" || *user == "" {
		fl.Usage()
		return errUsage
	}
	code := strings.Join(fl.Args(), "")
	keys, err := readTrustedKeys(*trust)
	if err != nil {
		return err
	}
	ctx := context.Background()
	l, err := lf.open(ctx, true, keys)
	if err != nil {
		return err
	}
	defer l.Close()
	e, err := l.Redeem(ctx, code, *user)
	if err != nil {
		return errors.New(trimBilling(err))
	}
	cur := l.Currency()
	_, err = fmt.Fprintf(stdout, "redeemed %s; balance %s, available %s\n", cur.Format(e.Amount), cur.Format(e.Balance), cur.Format(e.Available()))
	return err
}

// readTrustedKeys reads a file of trusted voucher keys: one key line per
// line, as faxd voucher keygen prints it, optionally followed by
// "retired=YYYY-MM-DD" for a rotated key whose vouchers are refused after
// that day; blank lines and lines starting with '#' are ignored.
func readTrustedKeys(name string) ([]billing.TrustedKey, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var keys []billing.TrustedKey
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Fields(line)
		var retired time.Time
		if len(fields) == 4 {
			day, ok := strings.CutPrefix(fields[3], "retired=")
			t, err := time.Parse("2006-01-02", day)
			if !ok || err != nil {
				return nil, fmt.Errorf("%s:%d: %q: want retired=YYYY-MM-DD after the key", name, n, fields[3])
			}
			retired = t.Add(24*time.Hour - time.Nanosecond) // the whole day
			fields = fields[:3]
		}
		k, err := billing.ParseTrustedKey([]byte(strings.Join(fields, " ")))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %s", name, n, trimBilling(err))
		}
		k.NotAfter = retired
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no trusted voucher keys in it", name)
	}
	return keys, nil
}

// ledgerFlags are the options that open the ledger.
type ledgerFlags struct {
	db       string
	currency string
}

func (lf *ledgerFlags) register(fl *flag.FlagSet) {
	fl.StringVar(&lf.db, "db", "", "the ledger's SQLite database (required)")
	fl.StringVar(&lf.currency, "currency", "EUR", "the appliance currency (ISO 4217)")
}

// open opens the ledger; unless create is set, the database must exist.
// A new EUR ledger gets the default (example) tariff.
func (lf *ledgerFlags) open(ctx context.Context, create bool, keys []billing.TrustedKey) (*billing.Ledger, error) {
	cur, err := billing.ParseCurrency(lf.currency)
	if err != nil {
		return nil, fmt.Errorf("--currency %q: not an ISO 4217 currency code", lf.currency)
	}
	if !create {
		if _, err := os.Stat(lf.db); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no ledger there (it is created when the first voucher is redeemed)", lf.db)
		}
	}
	l, err := billing.Open(ctx, billing.Config{Path: lf.db, Currency: cur, Keys: keys, InstallDefaultTariff: true})
	if err != nil {
		return nil, errors.New(trimBilling(err))
	}
	return l, nil
}

// trimBilling returns an error's message without the package prefix,
// which means nothing to the person at the command line.
func trimBilling(err error) string {
	return strings.TrimPrefix(err.Error(), "billing: ")
}

// parseInterspersed parses flags that may come before, between or after
// the arguments ("redeem CODE --db x"); the arguments stay in order in
// fl.Args(). After "--" everything is an argument.
func parseInterspersed(fl *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fl.Parse(args); err != nil {
			return err
		}
		rest := fl.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return fl.Parse(append([]string{"--"}, pos...))
}
