package sandbox

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/pages"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox/sandboxtest"
)

// The test binary is also the child: TestMain runs Child when the pool
// starts it with testChildEnv set, and, for the tests of the parent's
// watchdog, children that misbehave on purpose.
const testChildEnv = "SANDBOX_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(testChildEnv) {
	case "":
		os.Exit(m.Run())
	case "child":
		os.Exit(ChildMain())
	case "hog": // grows past any memory limit, then waits to be killed
		hog := make([][]byte, 0, 64)
		for range 64 {
			b := make([]byte, 8<<20)
			for i := range b {
				b[i] = 1
			}
			hog = append(hog, b)
		}
		time.Sleep(time.Minute)
		os.Exit(len(hog))
	case "spin": // the processor-time limit of setLimits kills it
		setLimits(0, time.Second)
		for i := 0; ; i++ {
			_ = i
		}
	}
}

// segments is a PDF that takes Ghostscript many seconds; made once.
var segments = sync.OnceValue(func() []byte { return sandboxtest.SegmentsPDF(400000) })

func testPool(t *testing.T, mode string, cfg Config) *Pool {
	t.Helper()
	cfg.Command = []string{os.Args[0]}
	cfg.Env = append(os.Environ(), testChildEnv+"="+mode)
	p, err := NewPool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// collect is a Sink that keeps what it gets.
type collect struct {
	plan  Plan
	pages [][][]byte // by copy
	stop  error      // returned by Planned
}

func (c *collect) Planned(p Plan) error {
	c.plan = p
	c.pages = make([][][]byte, len(p.Pages))
	return c.stop
}

func (c *collect) Page(cp, n int, data []byte) error {
	if n != len(c.pages[cp])+1 {
		return errors.New("pages out of order")
	}
	c.pages[cp] = append(c.pages[cp], data)
	return nil
}

func twoCopies(out Output, atts ...render.Attachment) Job {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	return Job{User: "alice", Output: out, Attachments: atts, Copies: []render.Message{
		{From: render.Party{Name: "Alice"}, To: render.Party{Fax: "+32 2 555 12 12"}, Subject: "Plan", Body: "See the plan.", Time: t0},
		{From: render.Party{Name: "Alice"}, To: render.Party{Fax: "+32 2 555 12 13"}, Subject: "Plan", Body: "See the plan.", Time: t0},
	}}
}

// TestPoolMatchesDirect renders the same job in a child and in the test's
// process: the pages are the same bytes, the thumbnails decode as PNG and
// the fax pages as TIFF-F.
func TestPoolMatchesDirect(t *testing.T) {
	ctx := context.Background()
	pool := testPool(t, "child", Config{MaxConcurrent: 1})
	direct := NewDirect(render.Options{})
	pdf := render.Attachment{Name: "letter.pdf", Data: sandboxtest.TextPDF("Hello")}
	for _, out := range []Output{Thumbnails, FaxPages} {
		var a, b collect
		if err := pool.Render(ctx, twoCopies(out, pdf), &a); err != nil {
			t.Fatalf("pool: %v", err)
		}
		if err := direct.Render(ctx, twoCopies(out, pdf), &b); err != nil {
			t.Fatalf("direct: %v", err)
		}
		if len(a.plan.Pages) != 2 || a.plan.Pages[0] != 2 || a.plan.Pages[1] != 2 || a.plan.Sources[0][1].Name != "letter.pdf" {
			t.Fatalf("plan %+v, want two copies of 2 pages, the second from letter.pdf", a.plan)
		}
		for c := range 2 {
			for i := range 2 {
				if !bytes.Equal(a.pages[c][i], b.pages[c][i]) {
					t.Errorf("output %d copy %d page %d differs between the child and the caller", out, c, i+1)
				}
				if out == Thumbnails {
					if _, err := png.Decode(bytes.NewReader(a.pages[c][i])); err != nil {
						t.Errorf("thumbnail: %v", err)
					}
				} else if tf, err := pages.OpenTIFF(bytes.NewReader(a.pages[c][i]), int64(len(a.pages[c][i]))); err != nil || tf.Pages[0].Width != 1728 {
					t.Errorf("fax page: %v", err)
				}
			}
		}
		if bytes.Equal(a.pages[0][0], a.pages[1][0]) {
			t.Error("the copies' first pages are the same: each should show its own recipient")
		}
	}
	if pool.PeakRSS() <= 0 {
		t.Error("no peak memory of the child recorded")
	}
}

// TestStopAfterPlan: a sink that refuses the plan gets its own error
// back and no page.
func TestStopAfterPlan(t *testing.T) {
	pool := testPool(t, "child", Config{})
	no := errors.New("not enough credit")
	c := &collect{stop: no}
	if err := pool.Render(context.Background(), twoCopies(FaxPages), c); err != no {
		t.Fatalf("err %v, want the sink's", err)
	}
	if len(c.pages[0]) != 0 {
		t.Errorf("%d pages after a refused plan", len(c.pages[0]))
	}
}

// TestRefusals: hostile documents are refused with their names and plain
// reasons, the same in a child and in the caller.
func TestRefusals(t *testing.T) {
	ctx := context.Background()
	pool := testPool(t, "child", Config{Memory: 192 << 20})
	direct := NewDirect(pool.opts)
	job := twoCopies(Thumbnails,
		render.Attachment{Name: "photo.png", Data: sandboxtest.BigPNG(7000, 7000)},
		render.Attachment{Name: "bomb.png", Data: sandboxtest.BombPNG(100000, 100000)},
		render.Attachment{Name: "notes.bin", Data: []byte{0, 1, 2, 3, 0xfe}},
	)
	for name, r := range map[string]Renderer{"pool": pool, "direct": direct} {
		err := r.Render(ctx, job, &collect{})
		want := "photo.png: the image is too large to fax (7000x7000 pixels); bomb.png: the image is too large to fax (100000x100000 pixels); notes.bin: this kind of file cannot be faxed (content type unknown)"
		if got := Message(err); got != want {
			t.Errorf("%s: %q\nwant %q", name, got, want)
		}
		var ae *render.AttachmentError
		if !errors.Is(err, render.ErrLimit) || !errors.Is(err, render.ErrUnsupported) || !errors.As(err, &ae) || ae.Name != "photo.png" {
			t.Errorf("%s: %v does not match the render sentinels and attachment", name, err)
		}
	}
}

// TestSlowPDF: a PDF that takes the rasteriser longer than the timeout is
// refused, naming it.
func TestSlowPDF(t *testing.T) {
	pool := testPool(t, "child", Config{Timeout: time.Second})
	job := Job{User: "bob", Output: Thumbnails, Copies: []render.Message{{Subject: "plan"}},
		Attachments: []render.Attachment{{Name: "plan.pdf", Data: segments()}}}
	start := time.Now()
	err := pool.Render(context.Background(), job, &collect{})
	if got := Message(err); got != "plan.pdf: took longer than 1 s to render" || !errors.Is(err, render.ErrLimit) {
		t.Errorf("err %q (%v)", got, err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("refused after %v", d)
	}
}

// TestWatchdog: a child whose memory grows past the limit, and one that
// spins past its processor time, are killed and explained.
func TestWatchdog(t *testing.T) {
	job := Job{User: "carol", Copies: []render.Message{{Subject: "x"}},
		Attachments: []render.Attachment{{Name: "scan.tif", Data: []byte("II*\x00")}}}
	for _, tt := range []struct {
		mode string
		cfg  Config
		want string
	}{
		{"hog", Config{Memory: 64 << 20}, "scan.tif: needed more than 64 MiB of memory to render"},
		{"spin", Config{Timeout: time.Minute, CPUTime: time.Second}, "scan.tif: needed more than 1 s of processor time to render"},
	} {
		err := testPool(t, tt.mode, tt.cfg).Render(context.Background(), job, &collect{})
		if got := Message(err); got != tt.want || !errors.Is(err, render.ErrLimit) {
			t.Errorf("%s: %q (%v), want %q", tt.mode, got, err, tt.want)
		}
	}
}

// TestCancel: the caller giving up kills the child.
func TestCancel(t *testing.T) {
	pool := testPool(t, "child", Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	job := Job{User: "dave", Copies: []render.Message{{Subject: "x"}},
		Attachments: []render.Attachment{{Name: "plan.pdf", Data: segments()}}}
	if err := pool.Render(ctx, job, &collect{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the context's", err)
	}
}

func TestMessageOfOtherErrors(t *testing.T) {
	if got := Message(errors.New("disk full")); !strings.Contains(got, "disk full") {
		t.Errorf("%q", got)
	}
}
