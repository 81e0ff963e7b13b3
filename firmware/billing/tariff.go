package billing

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// MaxCall is the longest call a Rate prices; longer durations are priced
// as MaxCall. No fax call lasts a day.
const MaxCall = 24 * time.Hour

// Rate is the price of calls to one destination prefix.
//
// An answered call of d (rounded up to whole seconds) is billed First
// seconds if d <= First, else First plus d-First rounded up to a multiple
// of Step: "first 30 s then per second" is First 30, Step 1; "per started
// minute" is First 60, Step 60 (or First 0, Step 60). The cost is the
// billed seconds at PerMinute, at least Minimum, plus ConnectFee, rounded
// up once to the currency's minor unit. Unanswered calls cost nothing.
type Rate struct {
	Prefix     string   // E.164 digits without "+" that the rate applies to: "32", "3247"
	Name       string   // destination in words: "Belgium", "Belgium mobile"
	Currency   Currency // currency of the amounts
	PerMinute  Amount   // price of 60 billed seconds
	First      int      // seconds of the first increment (0: same as Step)
	Step       int      // seconds of each later increment, >= 1
	Minimum    Amount   // least an answered call costs, before ConnectFee
	ConnectFee Amount   // added to every answered call
}

// validate checks a rate read from a file or given by an administrator.
func (r Rate) validate() error {
	switch {
	case r.Prefix == "" || len(r.Prefix) > 15 || strings.Trim(r.Prefix, "0123456789") != "" || r.Prefix[0] == '0':
		return fmt.Errorf("%w: prefix %q: want 1 to 15 digits of an E.164 number without +, like 32 or 3247", ErrBadTariff, r.Prefix)
	case r.Step < 1 || r.Step > 3600:
		return fmt.Errorf("%w: prefix %s: step %d s: want 1 to 3600", ErrBadTariff, r.Prefix, r.Step)
	case r.First < 0 || r.First > 3600:
		return fmt.Errorf("%w: prefix %s: first increment %d s: want 0 to 3600", ErrBadTariff, r.Prefix, r.First)
	case r.PerMinute < 0 || r.PerMinute > 1_000_000*Unit:
		return fmt.Errorf("%w: prefix %s: price per minute out of range", ErrBadTariff, r.Prefix)
	case r.Minimum < 0 || r.Minimum > 1_000_000*Unit:
		return fmt.Errorf("%w: prefix %s: minimum out of range", ErrBadTariff, r.Prefix)
	case r.ConnectFee < 0 || r.ConnectFee > 1_000_000*Unit:
		return fmt.Errorf("%w: prefix %s: connection fee out of range", ErrBadTariff, r.Prefix)
	case !r.Currency.Valid():
		return fmt.Errorf("%w: prefix %s: currency %q", ErrBadTariff, r.Prefix, r.Currency)
	}
	return nil
}

// BilledSeconds returns the seconds an answered call of d is billed for.
func (r Rate) BilledSeconds(d time.Duration) int64 {
	d = min(max(d, 0), MaxCall)
	secs := int64((d + time.Second - 1) / time.Second)
	first, step := int64(r.First), int64(max(r.Step, 1))
	if first == 0 {
		return (secs + step - 1) / step * step
	}
	if secs <= first {
		return first
	}
	return first + (secs-first+step-1)/step*step
}

// Cost returns the charge for an answered call whose connected time
// (CONNECT to hang-up) was d; see Rate.
func (r Rate) Cost(d time.Duration) Amount {
	c := Amount(mulDivCeil(r.BilledSeconds(d), int64(r.PerMinute), 60))
	c = max(c, r.Minimum) + r.ConnectFee
	return r.Currency.RoundUp(c)
}

// MaxDuration returns the longest connected time whose Cost is at most
// budget, in whole seconds (MaxCall when the rate is free), and false when
// even the shortest answered call costs more than budget.
func (r Rate) MaxDuration(budget Amount) (time.Duration, bool) {
	if r.Cost(time.Second) > budget {
		return 0, false
	}
	lo, hi := int64(1), int64(MaxCall/time.Second) // Cost(lo) <= budget
	if r.Cost(MaxCall) <= budget {
		return MaxCall, true
	}
	for hi-lo > 1 { // invariant: Cost(lo) <= budget < Cost(hi)
		mid := lo + (hi-lo)/2
		if r.Cost(time.Duration(mid)*time.Second) <= budget {
			lo = mid
		} else {
			hi = mid
		}
	}
	return time.Duration(lo) * time.Second, true
}

// Table is a tariff: one Rate per destination prefix, all in one currency.
// A Table is immutable once made and safe for concurrent use.
type Table struct {
	currency Currency
	rates    []Rate         // sorted by prefix
	index    map[string]int // prefix -> position in rates
	longest  int            // longest prefix length
}

// NewTable checks rates (valid prefixes, no prefix twice, all in currency)
// and returns the table.
func NewTable(currency Currency, rates []Rate) (*Table, error) {
	if !currency.Valid() {
		return nil, fmt.Errorf("%w: currency %q", ErrBadTariff, currency)
	}
	t := &Table{currency: currency, rates: append([]Rate(nil), rates...), index: map[string]int{}}
	sort.Slice(t.rates, func(i, j int) bool { return t.rates[i].Prefix < t.rates[j].Prefix })
	for i, r := range t.rates {
		if r.Currency == "" {
			r.Currency = currency
			t.rates[i].Currency = currency
		}
		if err := r.validate(); err != nil {
			return nil, err
		}
		if r.Currency != currency {
			return nil, fmt.Errorf("%w: prefix %s is in %s, the table in %s", ErrCurrency, r.Prefix, r.Currency, currency)
		}
		if _, dup := t.index[r.Prefix]; dup {
			return nil, fmt.Errorf("%w: prefix %s appears twice", ErrBadTariff, r.Prefix)
		}
		t.index[r.Prefix] = i
		t.longest = max(t.longest, len(r.Prefix))
	}
	if len(t.rates) == 0 {
		return nil, fmt.Errorf("%w: no rates", ErrBadTariff)
	}
	return t, nil
}

// Currency returns the table's currency.
func (t *Table) Currency() Currency { return t.currency }

// Rates returns a copy of the rates, sorted by prefix.
func (t *Table) Rates() []Rate { return append([]Rate(nil), t.rates...) }

// Lookup returns the rate with the longest prefix of number, an E.164
// number with or without "+" ("+3247..." matches 3247 before 32), or an
// error matching ErrNoRate.
func (t *Table) Lookup(number string) (Rate, error) {
	d := strings.TrimPrefix(number, "+")
	for n := min(len(d), t.longest); n > 0; n-- {
		if i, ok := t.index[d[:n]]; ok {
			return t.rates[i], nil
		}
	}
	return Rate{}, fmt.Errorf("%w: %s", ErrNoRate, number)
}

// Estimate is what a call is expected to cost, shown before sending.
type Estimate struct {
	Rate     Rate          // the rate that applies
	Duration time.Duration // expected connected time
	Cost     Amount        // Rate.Cost(Duration), exactly what the ledger would charge
}

// Estimate returns the expected cost of sending pages to number when each
// page takes perPage of connected time.
func (t *Table) Estimate(number string, pages int, perPage time.Duration) (Estimate, error) {
	r, err := t.Lookup(number)
	if err != nil {
		return Estimate{}, err
	}
	d := min(time.Duration(min(max(pages, 1), 100_000))*min(max(perPage, 0), time.Hour), MaxCall)
	return Estimate{Rate: r, Duration: d, Cost: r.Cost(d)}, nil
}
