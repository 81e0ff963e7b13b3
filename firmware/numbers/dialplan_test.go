package numbers_test

import (
	"errors"
	"testing"

	"faxbox/firmware/numbers"
)

func TestDialPlanCountryStyles(t *testing.T) {
	type call struct {
		e164, dial string
		scope      numbers.Scope
	}
	tests := []struct {
		name  string
		plan  numbers.DialPlan
		calls []call
	}{
		{"Belgium closed plan", numbers.DialPlan{Country: "BE", AreaCode: "2"}, []call{
			{"+3225551212", "025551212", numbers.ScopeNational}, // same area: still 0 + full number
			{"+3293301234", "093301234", numbers.ScopeNational},
			{"+33123456789", "0033123456789", numbers.ScopeInternational},
			{"+12125550123", "0012125550123", numbers.ScopeInternational},
		}},
		{"France closed plan", numbers.DialPlan{Country: "FR", AreaCode: "1"}, []call{
			{"+33123456789", "0123456789", numbers.ScopeNational},
			{"+33491123456", "0491123456", numbers.ScopeNational},
			{"+3225551212", "003225551212", numbers.ScopeInternational},
		}},
		{"Germany open plan", numbers.DialPlan{Country: "DE", AreaCode: "30"}, []call{
			{"+49301234567", "1234567", numbers.ScopeLocal},
			{"+4989123456", "089123456", numbers.ScopeNational},
			{"+33123456789", "0033123456789", numbers.ScopeInternational},
		}},
		{"United Kingdom", numbers.DialPlan{Country: "GB", AreaCode: "20"}, []call{
			{"+442079460958", "79460958", numbers.ScopeLocal},
			{"+441614960000", "01614960000", numbers.ScopeNational},
			{"+33123456789", "0033123456789", numbers.ScopeInternational},
		}},
		{"USA 10-digit local", numbers.DialPlan{Country: "US", AreaCode: "212"}, []call{
			{"+12125550123", "2125550123", numbers.ScopeLocal},
			{"+12015550123", "12015550123", numbers.ScopeNational},
			{"+14165550123", "14165550123", numbers.ScopeNational}, // Canada is domestic in the NANP
			{"+3225551212", "0113225551212", numbers.ScopeInternational},
		}},
		{"USA 7-digit local", numbers.DialPlan{Country: "US", AreaCode: "212", AreaDialing: numbers.AreaDialingLocal}, []call{
			{"+12125550123", "5550123", numbers.ScopeLocal},
		}},
		{"Japan", numbers.DialPlan{Country: "JP", AreaCode: "3"}, []call{
			{"+81312345678", "12345678", numbers.ScopeLocal},
			{"+81612345678", "0612345678", numbers.ScopeNational},
			{"+33123456789", "01033123456789", numbers.ScopeInternational},
		}},
		{"Italy keeps the leading zero", numbers.DialPlan{Country: "IT", AreaCode: "06"}, []call{
			{"+390612345678", "0612345678", numbers.ScopeNational},
			{"+3225551212", "003225551212", numbers.ScopeInternational},
		}},
		{"Russia waits for the second dial tone", numbers.DialPlan{Country: "RU"}, []call{
			{"+3225551212", "8W103225551212", numbers.ScopeInternational},
			{"+74951234567", "84951234567", numbers.ScopeNational},
		}},
		{"PBX outside line", numbers.DialPlan{Country: "BE", OutsideLine: "9,"}, []call{
			{"+3225551212", "9,025551212", numbers.ScopeNational},
			{"+33123456789", "9,0033123456789", numbers.ScopeInternational},
		}},
		{"Overrides", numbers.DialPlan{Country: "BE", InternationalPrefix: "0011", TrunkPrefix: "-", AreaCode: "2", AreaDialing: numbers.AreaDialingLocal}, []call{
			{"+3225551212", "5551212", numbers.ScopeLocal},
			{"+3293301234", "93301234", numbers.ScopeNational},
			{"+33123456789", "001133123456789", numbers.ScopeInternational},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.plan.Validate(); err != nil {
				t.Fatal(err)
			}
			for _, c := range tt.calls {
				n, err := numbers.Parse(c.e164)
				if err != nil {
					t.Fatal(err)
				}
				d, err := tt.plan.Dial(n)
				if err != nil {
					t.Fatal(err)
				}
				if d.Digits != c.dial || d.Scope != c.scope {
					t.Errorf("%s: dial %q (%v), want %q (%v)", c.e164, d.Digits, d.Scope, c.dial, c.scope)
				}
				if d.String() != "T"+c.dial {
					t.Errorf("%s: String %q", c.e164, d)
				}
			}
		})
	}
}

func TestDialPlanPulseAndErrors(t *testing.T) {
	n, _ := numbers.Parse("+3225551212")
	d, err := numbers.DialPlan{Country: "BE", OutsideLine: "0W", Pulse: true}.Dial(n)
	if err != nil || d.String() != "P0W025551212" {
		t.Fatalf("%v %v", d, err)
	}
	for _, p := range []numbers.DialPlan{
		{Country: "XX"},
		{Country: ""},
		{Country: "BE", OutsideLine: "9;"},
		{Country: "BE", AreaCode: "02a"},
		{Country: "BE", AreaDialing: 9},
	} {
		if err := p.Validate(); !errors.Is(err, numbers.ErrDialPlan) {
			t.Errorf("%+v: err %v", p, err)
		}
		if _, err := p.Dial(n); err == nil {
			t.Errorf("%+v: dialled", p)
		}
	}
	if _, err := (numbers.DialPlan{Country: "BE"}).Dial(numbers.Number{}); err == nil {
		t.Error("zero Number dialled")
	}
}
