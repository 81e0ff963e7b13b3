//go:build spandsp

package daemon_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/firmware/submission"
	"faxbox/modem/spandsp"
	"faxbox/pages"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox"
)

// TestResolutionToSpandsp: a fine attachment sent with the message's
// resolution fine arrives at spandsp's fax terminal at 196 lines per inch
// with exactly the preview's pixels; sent at standard, the estimate and
// the line time are markedly lower.
func TestResolutionToSpandsp(t *testing.T) {
	att := fineAttachment(t, 60)
	fine := sendAt(t, "fine", att)
	std := sendAt(t, "standard", att)
	for _, r := range []resolutionRun{fine, std} {
		t.Logf("%s: %d page(s), estimate %s for %v (pages %v), line time %v", r.res, len(r.got),
			billing.EUR.Format(r.est.Estimate), r.est.Lines.Duration.Round(time.Millisecond), r.est.Lines.PageTimes,
			r.job.History[0].Duration.Round(time.Millisecond))
	}
	for _, p := range fine.got {
		if pages.ResolutionOf(p.YDPI) != pages.Fine {
			t.Errorf("fine: received at %v dpi, want 196", p.YDPI)
		}
	}
	for _, p := range std.got {
		if pages.ResolutionOf(p.YDPI) != pages.Standard {
			t.Errorf("standard: received at %v dpi, want 98", p.YDPI)
		}
	}
	est := float64(std.est.Estimate) / float64(fine.est.Estimate)
	line := float64(std.job.History[0].Duration) / float64(fine.job.History[0].Duration)
	t.Logf("standard / fine: estimate %.2f, line time %.2f", est, line)
	if est >= 0.95 || line >= 0.95 {
		t.Errorf("standard costs %.2f of fine's estimate and takes %.2f of its line time, want markedly less", est, line)
	}
}

// resolutionRun is a message sent to spandsp at one resolution.
type resolutionRun struct {
	res string
	got []*pages.Page // as spandsp received them
	est submission.Result
	job store.Job
}

// fineAttachment is a fax page at fine resolution, as a scanner writes it:
// a TIFF-F file with small print, the sentence repeated repeats times (60:
// about 33 KB coded as T.6, one ECM block of 130 frames, 19 s at 14 400
// bit/s, which the pseudo-terminal and spandsp's T.31 modem take faster
// than the line carries it; see modem.TestSendDataDeepBuffer).
func fineAttachment(t *testing.T, repeats int) render.Attachment {
	t.Helper()
	doc, err := render.New(render.Options{Resolution: pages.Fine, NoCover: true, NoHeader: true}).Render(context.Background(),
		render.Message{}, []render.Attachment{{Name: "terms.txt", Data: bytes.Repeat([]byte("Small print: the terms bind both parties. "), repeats)}})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := doc.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pages.WriteTIFF(&buf, ps, pages.EncoderOptions{Coding: pages.MMR}); err != nil {
		t.Fatal(err)
	}
	return render.Attachment{Name: "terms.tif", Data: buf.Bytes()}
}

// sendAt previews and submits a message with att at resolution res, sends
// it through the daemon to spandsp's fax terminal, and checks that the
// received pages are the preview's pixels.
func sendAt(t *testing.T, res string, att render.Attachment) resolutionRun {
	t.Helper()
	ctx := context.Background()
	e := newEnv(t, 50*billing.Unit)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	r := sandbox.NewDirect(render.Options{StationFax: "+3225550100"})
	sub, err := submission.New(submission.Config{Store: e.st, Ledger: e.led, Renderer: r, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	n, err := (&numbers.Parser{}).Parse(number)
	if err != nil {
		t.Fatal(err)
	}
	rcpts := submission.Recipients([]numbers.Number{n}, nil, nil)
	msg := submission.Message{Sender: e.user, From: render.Party{Name: "Anne"}, Recipients: rcpts, Subject: "Terms",
		Body: "The terms are attached.", Attachments: []render.Attachment{att}, Resolution: res}

	// The preview, as POST /api/previews renders it.
	pres, err := sub.Resolution(res)
	if err != nil {
		t.Fatal(err)
	}
	var pv previewPNGs
	job := sandbox.Job{User: "anne", Attachments: msg.Attachments, Output: sandbox.Thumbnails, Resolution: &pres,
		Copies: []render.Message{{From: msg.From, To: render.Party{Fax: n.International()}, Addressees: submission.Addressees(rcpts, 0),
			Subject: msg.Subject, Body: msg.Body, Time: now}}}
	if err := r.Render(ctx, job, &pv); err != nil {
		t.Fatal(err)
	}

	out := resolutionRun{res: res}
	if out.est, err = sub.Submit(ctx, msg); err != nil {
		t.Fatal(err)
	}
	rx := filepath.Join(t.TempDir(), "rx.tif")
	l, err := spandsp.NewModemToFax(spandsp.Options{}, spandsp.FaxConfig{Role: spandsp.Receive, File: rx,
		Ident: "+32 2 555 1212", ECM: true, Compressions: spandsp.MH | spandsp.MR | spandsp.MMR})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	wctx := runSpandspPool(t, e, l, daemon.AnswerPolicy{})
	sr, err := l.Wait(wctx)
	if err != nil {
		t.Fatal(err)
	}
	if !sr.OK() || sr.Pages != out.est.Pages {
		time.Sleep(2 * time.Second)
		j, _ := e.st.GetJob(ctx, out.est.Message.Jobs[0].ID)
		logTraces(t, e, j)
		t.Fatalf("%s: spandsp %v, %d pages of %d; job %v %+v", res, sr.Code, sr.Pages, out.est.Pages, j.State, j.History)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if out.job, err = e.st.GetJob(ctx, out.est.Message.Jobs[0].ID); err != nil {
			t.Fatal(err)
		}
		if out.job.State == store.Delivered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: job %v after spandsp's end", res, out.job.State)
		}
	}
	data, err := os.ReadFile(rx)
	if err != nil {
		t.Fatal(err)
	}
	tf, err := pages.OpenTIFF(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(tf.Pages) != len(pv.pngs) {
		t.Fatalf("%s: %d pages received, the preview has %d", res, len(tf.Pages), len(pv.pngs))
	}
	for i := range tf.Pages {
		pg, _, err := tf.Decode(i)
		if err != nil {
			t.Fatal(err)
		}
		out.got = append(out.got, pg)
		var png bytes.Buffer
		if err := render.WriteThumbnailPNG(&png, pg, pg.Width); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(png.Bytes(), pv.pngs[i]) {
			t.Errorf("%s: received page %d (%dx%d at %v dpi) is not the preview's", res, i+1, pg.Width, pg.Height, pg.YDPI)
		}
	}
	if at := out.job.History[0]; at.Resolution != res || at.MergedPages != 0 {
		t.Errorf("%s: the attempt says %q with %d page(s) merged", res, at.Resolution, at.MergedPages)
	}
	return out
}

// previewPNGs is a sandbox.Sink keeping a preview's page images.
type previewPNGs struct{ pngs [][]byte }

func (p *previewPNGs) Planned(sandbox.Plan) error { return nil }

func (p *previewPNGs) Page(_, _ int, data []byte) error {
	p.pngs = append(p.pngs, data)
	return nil
}

// logTraces logs the traces of job j's attempts, to tell a failed call.
func logTraces(t *testing.T, e *env, j store.Job) {
	t.Helper()
	for _, a := range j.History {
		if a.TracePath == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(e.dir, a.TracePath))
		if err != nil {
			t.Logf("attempt %d: %v", a.ID, err)
			continue
		}
		t.Logf("attempt %d trace:\n%s", a.ID, b)
	}
}
