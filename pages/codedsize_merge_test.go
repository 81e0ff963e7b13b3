package pages

import "testing"

// merge ORs each factor rows of p into one, as a sender merges rows for a
// receiver that lacks the page's resolution.
func merge(t *testing.T, p *Page, factor int) *Page {
	t.Helper()
	q, err := NewPage(p.Width, (p.Height+factor-1)/factor)
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < p.Height; y++ {
		dst, src := q.Row(y/factor), p.Row(y)
		for i := range src {
			dst[i] |= src[i]
		}
	}
	return q
}

// doubled returns p with each row twice: the same content at twice the
// vertical resolution.
func doubled(t *testing.T, p *Page) *Page {
	t.Helper()
	q, err := NewPage(p.Width, 2*p.Height)
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < q.Height; y++ {
		copy(q.Row(y), p.Row(y/2))
	}
	return q
}

// TestMergedModel: CodedSize.Merged is within 15 % of the sizes of
// the ITU charts (scanned at fine) merged to standard, and of the same
// charts at superfine merged to standard.
func TestMergedModel(t *testing.T) {
	for _, n := range []int{1, 2, 4, 5, 7} {
		p := chart(t, n)
		for _, c := range []struct {
			name   string
			page   *Page
			factor int
		}{{"fine", p, 2}, {"superfine", doubled(t, p), 4}} {
			got := mustMeasure(t, c.page).Merged(c.factor)
			want := mustMeasure(t, merge(t, c.page, c.factor))
			t.Logf("chart %d %s / %d: model %+v, merged %+v", n, c.name, c.factor, got, want)
			for _, v := range [][2]int{{got.MMR, want.MMR}, {got.MH, want.MH}} {
				if r := float64(v[0]) / float64(v[1]); r < 0.85 || r > 1.15 {
					t.Errorf("chart %d %s merged by %d: model %+v, measured %+v", n, c.name, c.factor, got, want)
				}
			}
		}
	}
}
