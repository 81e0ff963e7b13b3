package config_test

import (
	"testing"
	"time"

	"faxbox/firmware/config"
	"faxbox/firmware/numbers"
)

func TestTimeRange(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 3, 1, h, m, 0, 0, time.UTC) }
	for _, tc := range []struct {
		text   string
		in     []time.Time
		out    []time.Time
		String string
	}{
		{"08:00-18:00", []time.Time{at(8, 0), at(17, 59)}, []time.Time{at(7, 59), at(18, 0)}, "08:00-18:00"},
		{"22:00-7:00", []time.Time{at(22, 0), at(23, 59), at(0, 0), at(6, 59)}, []time.Time{at(7, 0), at(21, 59)}, "22:00-07:00"},
		{"00:00-24:00", []time.Time{at(0, 0), at(23, 59)}, nil, "00:00-24:00"},
		{"", nil, []time.Time{at(12, 0)}, ""},
	} {
		var r config.TimeRange
		if err := r.UnmarshalText([]byte(tc.text)); err != nil {
			t.Fatalf("%q: %v", tc.text, err)
		}
		for _, x := range tc.in {
			if !r.Contains(x) {
				t.Errorf("%q does not contain %s", tc.text, x.Format("15:04"))
			}
		}
		for _, x := range tc.out {
			if r.Contains(x) {
				t.Errorf("%q contains %s", tc.text, x.Format("15:04"))
			}
		}
		if r.String() != tc.String {
			t.Errorf("%q: String() = %q", tc.text, r.String())
		}
	}
	for _, bad := range []string{"08:00", "8-18", "08:00-24:01", "24:00-08:00", "08:60-09:00", "08:00-08:00", "x-y"} {
		var r config.TimeRange
		if err := r.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q accepted as %v", bad, r)
		}
	}
}

func TestDiskLimit(t *testing.T) {
	for _, tc := range []struct {
		text, String string
		limit        int64 // for a 1000 GB file system
	}{
		{"80%", "80%", 800e9},
		{"4GiB", "4GiB", 4 << 30},
		{"500MB", "500000000", 500e6},
		{"1536 MiB", "1536MiB", 1536 << 20},
		{"12345", "12345", 12345},
		{"0", "0", 0},
	} {
		var l config.DiskLimit
		if err := l.UnmarshalText([]byte(tc.text)); err != nil {
			t.Fatalf("%q: %v", tc.text, err)
		}
		if l.String() != tc.String || l.Limit(1000e9) != tc.limit {
			t.Errorf("%q: String %q Limit %d, want %q %d", tc.text, l.String(), l.Limit(1000e9), tc.String, tc.limit)
		}
	}
	for _, bad := range []string{"", "0%", "101%", "-1", "4 parsecs", "9999999TiB", "x%"} {
		var l config.DiskLimit
		if err := l.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q accepted as %v", bad, l)
		}
	}
}

func TestDurationAndMoneyText(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		text string
	}{{90 * time.Second, "1m30s"}, {15 * time.Minute, "15m"}, {time.Hour, "1h"}, {time.Hour + time.Second, "1h0m1s"}, {0, "0s"}, {1500 * time.Millisecond, "1.5s"}} {
		if got := config.Duration(tc.d).String(); got != tc.text {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.text)
		}
		var back config.Duration
		if err := back.UnmarshalText([]byte(tc.text)); err != nil || back.D() != tc.d {
			t.Errorf("%q read back as %v, %v", tc.text, back, err)
		}
	}
	for _, tc := range []struct {
		text string
		want config.Money
		out  string
	}{{"10", 10_000_000, "10.00"}, {"10.00", 10_000_000, "10.00"}, {"0.0125", 12_500, "0.0125"}, {" 2.5 ", 2_500_000, "2.50"}} {
		var m config.Money
		if err := m.UnmarshalText([]byte(tc.text)); err != nil || m != tc.want || m.String() != tc.out {
			t.Errorf("%q = %v (%s), %v; want %v %s", tc.text, int64(m), m, err, int64(tc.want), tc.out)
		}
	}
	for _, bad := range []string{"", "ten", "10,00", "EUR 10", "10.0000001", "1e3"} {
		var m config.Money
		if err := m.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q accepted as %s", bad, m)
		}
	}
}

func TestLineOffset(t *testing.T) {
	if n, ok := config.Line("17").Offset(); !ok || n != 17 {
		t.Errorf("Offset(17) = %d, %v", n, ok)
	}
	if _, ok := config.Line("LED_READY").Offset(); ok {
		t.Error("a name has an offset")
	}
}

func TestIdentAndDialPlan(t *testing.T) {
	c := config.Default()
	if c.Ident() != "" {
		t.Errorf("Ident() = %q with no number", c.Ident())
	}
	c.Identity.FaxNumber = "+3225551212"
	if c.Ident() != "+32 2 555 12 12" {
		t.Errorf("Ident() = %q", c.Ident())
	}
	c.Identity.Ident = "+32 2 555 00 00"
	if c.Ident() != "+32 2 555 00 00" {
		t.Errorf("Ident() = %q", c.Ident())
	}
	c.DialPlan.OutsideLine = "0,"
	c.DialPlan.Dialing = config.DialingPulse
	n, err := numbers.Parse("+33123456789")
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.NumberDialPlan().Dial(n)
	if err != nil {
		t.Fatal(err)
	}
	if d.String() != "P0,0033123456789" {
		t.Errorf("dial = %s", d)
	}
	for _, ad := range []config.AreaDialing{config.AreaDialingDefault, config.AreaDialingFull, config.AreaDialingLocal, config.AreaDialingNoTrunk} {
		c.DialPlan.AreaDialing = ad
		if got := c.NumberDialPlan().AreaDialing.String(); got != string(ad) {
			t.Errorf("AreaDialing %s became %s", ad, got)
		}
	}
	if config.LogLevel("warn").Level().String() != "WARN" || config.LogLevel("").Level().String() != "INFO" {
		t.Error("LogLevel.Level")
	}
}
