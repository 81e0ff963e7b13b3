package pages

import "testing"

// TestMeasureCoded: the sizes counted are those of the coded data, with
// its end of page, for the CCITT charts and the edge pages; text codes
// smaller as T.6 than as MH.
func TestMeasureCoded(t *testing.T) {
	ps := edgePages(t)
	ps["chart1"], ps["chart2"] = chart(t, 1), chart(t, 2)
	for name, p := range ps {
		got, err := MeasureCoded(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := CodedSize{MMR: len(mustEncode(t, p, EncoderOptions{Coding: MMR, RTC: true})),
			MH: len(mustEncode(t, p, EncoderOptions{Coding: MH, RTC: true}))}
		if got != want {
			t.Errorf("%s: measured %+v, coded %+v", name, got, want)
		}
	}
	if c := mustMeasure(t, ps["chart1"]); c.MH < c.MMR*3/2 {
		t.Errorf("chart 1: MH %d bytes, T.6 %d: want MH larger by half at least", c.MH, c.MMR)
	}
}

func mustMeasure(t *testing.T, p *Page) CodedSize {
	t.Helper()
	c, err := MeasureCoded(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
