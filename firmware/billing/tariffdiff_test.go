package billing

import (
	"strings"
	"testing"
)

func mustTable(t *testing.T, csv string) *Table {
	t.Helper()
	tab, err := ReadTableCSV(strings.NewReader("prefix,name,currency,per_minute,first_seconds,step_seconds,minimum,connection_fee\n" + csv))
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestDiffAndMergeTables(t *testing.T) {
	old := mustTable(t, "32,Belgium,EUR,0.06,30,1,0,0\n33,France,EUR,0.07,30,1,0,0\n1,USA,EUR,0.05,30,1,0,0\n")
	upd := mustTable(t, "32,Belgium,EUR,0.08,30,1,0,0\n31,Netherlands,EUR,0.06,30,1,0,0\n")
	d := DiffTables(old, upd)
	if len(d.Added) != 1 || d.Added[0].Prefix != "31" || len(d.Changed) != 1 || d.Changed[0].Prefix != "32" ||
		d.Changed[0].Old.PerMinute != 6*Unit/100 || len(d.Removed) != 2 || d.Unchanged != 0 {
		t.Errorf("replace diff: %+v", d)
	}
	merged, err := MergeTables(old, upd)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(merged.Rates()); got != 4 {
		t.Errorf("merged table has %d rates, want 4", got)
	}
	d = DiffTables(old, merged)
	if len(d.Added) != 1 || len(d.Changed) != 1 || len(d.Removed) != 0 || d.Unchanged != 2 {
		t.Errorf("update diff: %+v", d)
	}
	if r, _ := merged.Lookup("+3312345678"); r.Name != "France" {
		t.Errorf("France after a partial update: %+v", r)
	}
	if _, err := MergeTables(old, mustTable(t, "32,Belgium,USD,0.08,30,1,0,0\n")); err == nil {
		t.Error("merging a USD table into a EUR one: no error")
	}
}

func TestParseTyped(t *testing.T) {
	for in, want := range map[string]Amount{"20,00": 20 * Unit, "20.00": 20 * Unit, "-0,5": -Unit / 2, "1.234,56": 123456 * Unit / 100,
		"1,234.56": 123456 * Unit / 100, "1 234,56 EUR": 123456 * Unit / 100, "+5": 5 * Unit, "EUR 3,10": 310 * Unit / 100} {
		got, err := EUR.ParseTyped(in)
		if err != nil || got != want {
			t.Errorf("ParseTyped(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"1,234", "1.2.3", "abc", "20,00 USD", ""} {
		if _, err := EUR.ParseTyped(in); err == nil {
			t.Errorf("ParseTyped(%q): no error", in)
		}
	}
}
