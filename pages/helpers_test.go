package pages

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The eight ITU test charts come from Debian's jbigkit-testdata, decoded
// with jbgtopbm from jbigkit-bin, as `make test` installs them.
const chartDir = "/usr/share/jbigkit-testdata"

var charts struct {
	once  sync.Once
	pages [9]*Page
	err   error
}

// needTool fails the test when a peer program is missing: tests never skip
// for that; `make test` installs the packages.
func needTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: run `make test` as root or `apt-get install -y %s`", name, pkg)
	}
	return p
}

// chart returns ITU chart n (1..8), 1728 x 2376.
func chart(t testing.TB, n int) *Page {
	t.Helper()
	needTool(t, "jbgtopbm", "jbigkit-bin")
	charts.once.Do(func() {
		for i := 1; i <= 8; i++ {
			src := filepath.Join(chartDir, fmt.Sprintf("ccitt%d.jbg", i))
			out, err := exec.Command("jbgtopbm", src).Output()
			if err != nil {
				charts.err = fmt.Errorf("jbgtopbm %s: %v (apt-get install -y jbigkit-testdata jbigkit-bin)", src, err)
				return
			}
			ps, err := ReadPBMs(bytes.NewReader(out))
			if err != nil {
				charts.err = fmt.Errorf("%s: %v", src, err)
				return
			}
			charts.pages[i] = ps[0]
		}
	})
	if charts.err != nil {
		t.Fatal(charts.err)
	}
	return charts.pages[n]
}

// crop returns the first h rows of p as a new page.
func crop(p *Page, h int) *Page {
	q, _ := NewPage(p.Width, h)
	copy(q.Pix, p.Pix[:h*p.Stride])
	return q
}

// edgePages returns pages that stress the codec's corners.
func edgePages(t testing.TB) map[string]*Page {
	t.Helper()
	out := map[string]*Page{}
	mk := func(name string, w, h int, f func(x, y int) bool) {
		p, err := NewPage(w, h)
		if err != nil {
			t.Fatal(err)
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if f(x, y) {
					p.Set(x, y, true)
				}
			}
		}
		out[name] = p
	}
	for _, w := range []int{WidthA4, WidthB4, WidthA3, 1, 7, 8, 9, 13, 64, 2561, 4864} {
		mk(fmt.Sprintf("white-%d", w), w, 5, func(x, y int) bool { return false })
		mk(fmt.Sprintf("black-%d", w), w, 5, func(x, y int) bool { return true })
		mk(fmt.Sprintf("edges-%d", w), w, 6, func(x, y int) bool {
			switch y {
			case 0:
				return x == 0
			case 1:
				return x == w-1
			case 2:
				return x == 0 || x == w-1
			case 3:
				return x != 0 && x != w-1
			}
			return y == 5 && x == w/2
		})
		mk(fmt.Sprintf("checker-%d", w), w, 8, func(x, y int) bool { return (x+y)%2 == 0 })
		mk(fmt.Sprintf("checker4-%d", w), w, 8, func(x, y int) bool { return (x/4+y/4)%2 == 0 })
	}
	// Runs longer than 2560 (several make-up codes in a row), both colours.
	mk("longruns-8192", MaxWidth, 6, func(x, y int) bool {
		switch y {
		case 0:
			return x >= 2600
		case 1:
			return x < 5200
		case 2:
			return x >= 2560 && x < 2560+2624
		case 3:
			return x == 8191
		case 4:
			return x >= 1 && x < 8191
		}
		return x%2623 == 0
	})
	// Vertical-mode edges: diagonal lines shifting by 1, 2, 3 and 4 pels.
	mk("diagonals-1728", WidthA4, 64, func(x, y int) bool {
		d := y % 16
		return (x >= 100+d && x < 140+2*d) || (x >= 900-3*d && x < 960+d) || (x >= 1500+4*d && x < 1510+4*d)
	})
	rng := rand.New(rand.NewPCG(1, 2))
	mk("noise-1728", WidthA4, 40, func(x, y int) bool { return rng.IntN(3) == 0 })
	mk("sparse-2048", WidthB4, 40, func(x, y int) bool { return rng.IntN(200) == 0 })
	return out
}

func mustEncode(t testing.TB, p *Page, o EncoderOptions) []byte {
	t.Helper()
	b, err := Encode(p, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeTemp(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// samePage fails the test with the first differing pixel.
func samePage(t testing.TB, what string, got, want *Page) {
	t.Helper()
	if x, y, diff := got.FirstDifference(want); diff {
		t.Fatalf("%s: pages differ at (%d,%d): got %dx%d, want %dx%d", what, x, y, got.Width, got.Height, want.Width, want.Height)
	}
}

func readFile(name string) ([]byte, error) { return os.ReadFile(name) }

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }
