package billing_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
)

func eur(s string) billing.Amount {
	a, err := billing.EUR.Parse(s)
	if err != nil {
		panic(err)
	}
	return a
}

func TestRateCost(t *testing.T) {
	perSecond := billing.Rate{Prefix: "32", Currency: billing.EUR, PerMinute: eur("0.06"), First: 30, Step: 1}
	perMinute := billing.Rate{Prefix: "81", Currency: billing.EUR, PerMinute: eur("0.25"), First: 60, Step: 60}
	withMin := billing.Rate{Prefix: "870", Currency: billing.EUR, PerMinute: eur("6"), First: 60, Step: 60, Minimum: eur("6"), ConnectFee: eur("0.5")}
	fine := billing.Rate{Prefix: "1", Currency: billing.EUR, PerMinute: eur("0.0123"), Step: 6}
	tests := []struct {
		r      billing.Rate
		d      time.Duration
		billed int64
		cost   string
	}{
		{perSecond, 0, 30, "0.03"},
		{perSecond, 10 * time.Second, 30, "0.03"},
		{perSecond, 30 * time.Second, 30, "0.03"},
		{perSecond, 30*time.Second + time.Millisecond, 31, "0.04"}, // 0.031 rounded up
		{perSecond, 61 * time.Second, 61, "0.07"},                  // 0.061
		{perSecond, 100 * time.Second, 100, "0.10"},
		{perMinute, time.Second, 60, "0.25"},
		{perMinute, 60 * time.Second, 60, "0.25"},
		{perMinute, 61 * time.Second, 120, "0.50"},
		{withMin, 5 * time.Second, 60, "6.50"},
		{withMin, 121 * time.Second, 180, "18.50"},
		{fine, 1 * time.Second, 6, "0.01"},     // 0.00123
		{fine, 600 * time.Second, 600, "0.13"}, // 0.123
		{perSecond, 48 * time.Hour, 86400, "86.40"},
	}
	for i, tt := range tests {
		if got := tt.r.BilledSeconds(tt.d); got != tt.billed {
			t.Errorf("%d: billed %d, want %d", i, got, tt.billed)
		}
		if got := tt.r.Cost(tt.d); got != eur(tt.cost) {
			t.Errorf("%d: cost %s, want %s", i, billing.EUR.FormatNumber(got), tt.cost)
		}
	}
}

// TestMaxDurationProperty checks on random rates and budgets that the
// deadline is the longest affordable call: Cost(d) <= budget < Cost(d+1s).
func TestMaxDurationProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		r := billing.Rate{Prefix: "1", Currency: billing.EUR,
			PerMinute: billing.Amount(rng.Int64N(int64(5 * billing.Unit))), First: rng.IntN(3) * 30,
			Step: []int{1, 6, 30, 60}[rng.IntN(4)], Minimum: billing.Amount(rng.Int64N(int64(billing.Unit)))}
		if rng.IntN(4) == 0 {
			r.ConnectFee = billing.Amount(rng.Int64N(int64(billing.Unit)))
		}
		budget := billing.Amount(rng.Int64N(int64(50 * billing.Unit)))
		d, ok := r.MaxDuration(budget)
		if !ok {
			if r.Cost(time.Second) <= budget {
				t.Fatalf("%+v budget %d: refused but 1 s costs %d", r, budget, r.Cost(time.Second))
			}
			continue
		}
		if c := r.Cost(d); c > budget {
			t.Fatalf("%+v: Cost(%v) = %d > budget %d", r, d, c, budget)
		}
		if d < billing.MaxCall && r.Cost(d+time.Second) <= budget {
			t.Fatalf("%+v: %v not the longest for %d", r, d, budget)
		}
	}
}

func TestLookupLongestPrefix(t *testing.T) {
	tab, err := billing.NewTable(billing.EUR, []billing.Rate{
		{Prefix: "32", Name: "Belgium", PerMinute: eur("0.06"), First: 30, Step: 1},
		{Prefix: "3247", Name: "Belgium mobile", PerMinute: eur("0.15"), First: 30, Step: 1},
		{Prefix: "324", Name: "Belgium 4x", PerMinute: eur("0.10"), First: 30, Step: 1},
		{Prefix: "1", Name: "NANP", PerMinute: eur("0.05"), Step: 1},
		{Prefix: "1212", Name: "NYC", PerMinute: eur("0.02"), Step: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	for num, want := range map[string]string{
		"+3225551212": "Belgium", "32470123456": "Belgium mobile", "+32460123456": "Belgium 4x",
		"+12125550123": "NYC", "+12015550123": "NANP",
	} {
		r, err := tab.Lookup(num)
		if err != nil || r.Name != want {
			t.Errorf("%s: %q %v, want %q", num, r.Name, err, want)
		}
	}
	if _, err := tab.Lookup("+44207"); !errors.Is(err, billing.ErrNoRate) {
		t.Errorf("no rate: %v", err)
	}
	for _, bad := range [][]billing.Rate{
		{{Prefix: "32", Step: 1}, {Prefix: "32", Step: 1}},
		{{Prefix: "032", Step: 1}},
		{{Prefix: "32", Step: 0}},
		{{Prefix: "3a", Step: 1}},
		{{Prefix: "32", Step: 1, PerMinute: -1}},
		{{Prefix: "32", Step: 1, Currency: "USD"}},
		{},
	} {
		if _, err := billing.NewTable(billing.EUR, bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

func TestEstimateEqualsCharge(t *testing.T) {
	tab, _ := billing.DefaultTable()
	e, err := tab.Estimate("+3225551212", 3, 40*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if e.Duration != 120*time.Second || e.Cost != e.Rate.Cost(120*time.Second) || e.Cost != eur("0.12") {
		t.Errorf("%+v", e)
	}
	if e.Rate.PerMinute != eur("0.06") {
		t.Errorf("price per minute %d", e.Rate.PerMinute)
	}
}

func TestDefaultTableCoversEveryCallingCode(t *testing.T) {
	tab, err := billing.DefaultTable()
	if err != nil {
		t.Fatal(err)
	}
	if tab.Currency() != billing.EUR {
		t.Fatal(tab.Currency())
	}
	have := map[string]bool{}
	for _, r := range tab.Rates() {
		have[r.Prefix] = true
	}
	for _, cc := range numbers.CallingCodes() {
		if !have[strconv.Itoa(cc)] {
			t.Errorf("no rate for +%d", cc)
		}
	}
	// Every country has a rate for an example number.
	for _, region := range numbers.Regions() {
		cc := numbers.CallingCode(region)
		if _, err := tab.Lookup(strconv.Itoa(cc) + "123456"); err != nil {
			t.Errorf("%s: %v", region, err)
		}
	}
	if !bytes.Contains(billing.DefaultTableCSV(), []byte("EXAMPLE PRICES ONLY")) {
		t.Error("default tariff not marked as example prices")
	}
}

func TestTableCSVRoundTrip(t *testing.T) {
	tab, _ := billing.DefaultTable()
	var buf bytes.Buffer
	if err := tab.WriteCSV(&buf, "exported\nfor the test"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "# exported\n# for the test\nprefix,") {
		t.Errorf("head: %q", buf.String()[:60])
	}
	back, err := billing.ReadTableCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	a, b := tab.Rates(), back.Rates()
	if len(a) != len(b) {
		t.Fatalf("%d rates, %d after round trip", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("%+v became %+v", a[i], b[i])
		}
	}
}

func TestTableCSVErrors(t *testing.T) {
	head := "prefix,name,currency,per_minute,first_seconds,step_seconds,minimum,connection_fee\n"
	for name, text := range map[string]string{
		"header":   "prefix,name\n32,x\n",
		"columns":  head + "32,Belgium,EUR,0.06,30\n",
		"amount":   head + "32,Belgium,EUR,six,30,1,0,0\n",
		"seconds":  head + "32,Belgium,EUR,0.06,thirty,1,0,0\n",
		"currency": head + "32,Belgium,EUR,0.06,30,1,0,0\n33,France,USD,0.06,30,1,0,0\n",
		"unknown":  head + "32,Belgium,EUX,0.06,30,1,0,0\n",
		"prefix":   head + "+0032,Belgium,EUR,0.06,30,1,0,0\n",
		"empty":    head,
	} {
		_, err := billing.ReadTableCSV(strings.NewReader(text))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if name != "currency" && !errors.Is(err, billing.ErrBadTariff) {
			t.Errorf("%s: %v does not match ErrBadTariff", name, err)
		}
	}
	_, err := billing.ReadTableCSV(strings.NewReader(head + "32,Belgium,EUR,0.06,30,1,0,0\n33,France,EUR,0.06,30,0,0,0\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("error does not name the line: %v", err)
	}
}
