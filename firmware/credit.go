package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"faxbox/firmware/numbers"
)

// runCredit implements "faxd credit": the prepaid account at a glance.
func runCredit(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("credit", "credit --db LEDGER.db [--user NAME] [--currency EUR]", stderr)
	var lf ledgerFlags
	lf.register(fl)
	user := fl.String("user", "", "also show this user's spend, open holds and monthly limit")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 0 || lf.db == "" {
		fl.Usage()
		return errUsage
	}
	ctx := context.Background()
	l, err := lf.open(ctx, false, nil)
	if err != nil {
		return err
	}
	defer l.Close()
	a, err := l.Account(ctx, *user)
	if err != nil {
		return errors.New(trimBilling(err))
	}
	c := a.Currency
	var b strings.Builder
	fmt.Fprintf(&b, "balance           %s\n", c.Format(a.Balance))
	fmt.Fprintf(&b, "available         %s\n", c.Format(a.Available))
	fmt.Fprintf(&b, "open holds        %d (%s)\n", a.OpenHolds, c.Format(a.Held))
	if a.User == "" {
		fmt.Fprintf(&b, "spent this month  %s\n", c.Format(a.SpentThisMonth))
	} else {
		fmt.Fprintf(&b, "user              %s\n", a.User)
		fmt.Fprintf(&b, "  spent this month  %s\n", c.Format(a.SpentThisMonth))
		fmt.Fprintf(&b, "  open holds        %s\n", c.Format(a.UserHeld))
		if a.UserLimit > 0 {
			fmt.Fprintf(&b, "  monthly limit     %s (%s left)\n", c.Format(a.UserLimit), c.Format(max(a.UserLimit-a.SpentThisMonth-a.UserHeld, 0)))
		} else {
			fmt.Fprintf(&b, "  monthly limit     none\n")
		}
	}
	if m := l.MinAvailable(); m > 0 && a.Available < m {
		fmt.Fprintf(&b, "sending needs %s available: %s missing\n", c.Format(m), c.Format(m-a.Available))
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}

// runPrice implements "faxd price": what a fax to a number would cost.
func runPrice(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("price", "price --db LEDGER.db [--home-country BE] [--pages N] [--currency EUR] NUMBER", stderr)
	var lf ledgerFlags
	lf.register(fl)
	home := fl.String("home-country", "", "the appliance's country (ISO 3166-1, e.g. BE), so that national numbers are understood")
	pageCount := fl.Int("pages", 1, "pages in the document, for the estimate")
	if err := parseInterspersed(fl, args); err != nil {
		return err
	}
	if fl.NArg() == 0 || lf.db == "" || *pageCount < 1 {
		fl.Usage()
		return errUsage
	}
	p, err := numbers.NewParser(*home)
	if err != nil {
		return fmt.Errorf("--home-country %q: %v", *home, err)
	}
	n, err := p.Parse(strings.Join(fl.Args(), " "))
	if err != nil {
		return err
	}
	ctx := context.Background()
	l, err := lf.open(ctx, false, nil)
	if err != nil {
		return err
	}
	defer l.Close()
	est, err := l.Price(ctx, n.E164, *pageCount)
	if err != nil {
		return errors.New(trimBilling(err))
	}
	r, c := est.Rate, l.Currency()
	var b strings.Builder
	fmt.Fprintf(&b, "number            %s (%s)\n", n.International(), n.Type)
	fmt.Fprintf(&b, "country           %s, +%d\n", n.Region, n.CallingCode)
	fmt.Fprintf(&b, "tariff            %s (prefix %s)\n", r.Name, r.Prefix)
	fmt.Fprintf(&b, "price per minute  %s\n", c.Format(r.PerMinute))
	fmt.Fprintf(&b, "billing           %s\n", increments(r.First, r.Step))
	if r.Minimum > 0 {
		fmt.Fprintf(&b, "minimum charge    %s\n", c.Format(r.Minimum))
	}
	if r.ConnectFee > 0 {
		fmt.Fprintf(&b, "connection fee    %s\n", c.Format(r.ConnectFee))
	}
	fmt.Fprintf(&b, "estimate          %s for %d page(s), about %s connected\n", c.Format(est.Cost), *pageCount, est.Duration.Round(time.Second))
	_, err = io.WriteString(stdout, b.String())
	return err
}

// increments says a rate's billing increments in words.
func increments(first, step int) string {
	unit := func(s int) string {
		switch s {
		case 1:
			return "second"
		case 60:
			return "started minute"
		}
		return fmt.Sprintf("%d s", s)
	}
	if first == 0 || first == step {
		return "per " + unit(step)
	}
	return fmt.Sprintf("first %d s, then per %s", first, unit(step))
}
