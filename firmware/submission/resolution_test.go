package submission_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/firmware/submission"
	"faxbox/pages"
	"faxbox/pages/render"
	"faxbox/t30"
)

// TestCopiesNameToAndCc: of a message to a To, a Cc and a Bcc recipient,
// the To and Cc copies name the To and Cc recipients (with their names)
// and not the Bcc one, each marking itself; the Bcc copy names the To and
// Cc recipients and itself. Checked on the rendered first pages' header
// blocks.
func TestCopiesNameToAndCc(t *testing.T) {
	to, cc, bcc := number(t, "+32 2 555 12 12"), number(t, "+32 2 555 34 56"), number(t, "+32 2 555 78 90")
	rcpts := submission.Recipients([]numbers.Number{to}, []numbers.Number{cc}, []numbers.Number{bcc})
	rcpts[0].Name, rcpts[1].Name = "Bob Builder", "Carol Copy"
	r := render.New(render.Options{})
	header := func(i int) map[string]string {
		doc, err := r.Render(context.Background(), render.Message{Subject: "Offer", Addressees: submission.Addressees(rcpts, i)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, f := range doc.HeaderFields() {
			out[f.Label] = f.Value
		}
		return out
	}
	mark := " " + render.ThisCopy
	toLine, ccLine, bccLine := "Bob Builder, "+to.International(), "Carol Copy, "+cc.International(), bcc.International()
	for i, want := range []map[string]string{
		{"To:": toLine + mark, "Cc:": ccLine},
		{"To:": toLine, "Cc:": ccLine + mark},
		{"To:": toLine, "Cc:": ccLine, "Bcc:": bccLine + mark},
	} {
		got := header(i)
		for _, f := range []string{"To:", "Cc:", "Bcc:"} {
			if got[f] != want[f] {
				t.Errorf("copy %d (%s): %s %q, want %q", i+1, rcpts[i].Field, f, got[f], want[f])
			}
		}
		if i < 2 && strings.Contains(strings.Join([]string{got["To:"], got["Cc:"], got["Bcc:"]}, " "), bcc.International()) {
			t.Errorf("copy %d names the Bcc recipient", i+1)
		}
	}
}

// TestResolutionAndEstimate: a message is rendered at the resolution it
// asks for (stored with it), or at the appliance's default; an unknown one
// is refused; each recipient gets an estimate from the pages' line time,
// and standard takes markedly less of fine's page time.
func TestResolutionAndEstimate(t *testing.T) {
	sub, st := open(t, 100*billing.Unit)
	ctx := context.Background()
	rcpts := submission.Recipients([]numbers.Number{number(t, "+32 2 555 12 12")}, []numbers.Number{number(t, "+33 1 55 55 12 12")}, nil)
	body := strings.Repeat("The small print of this contract binds both parties in every respect. ", 120)
	send := func(res string) submission.Result {
		t.Helper()
		r, err := sub.Submit(ctx, submission.Message{Sender: store.User{ID: 1, Name: "anne"}, Recipients: rcpts,
			Subject: "Contract", Body: body, Resolution: res})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	fine, std := send("fine"), send("")
	for _, c := range []struct {
		r    submission.Result
		want pages.Resolution
	}{{fine, pages.Fine}, {std, pages.Standard}} {
		m, err := st.GetMessage(ctx, c.r.Message.ID)
		if err != nil || m.Resolution != c.want.String() || c.r.Lines.Resolution != c.want {
			t.Fatalf("stored %q, estimated at %v, want %v (%v)", m.Resolution, c.r.Lines.Resolution, c.want, err)
		}
		ps, err := st.Pages(ctx, m.Jobs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(st.Dir(), ps[0].Path))
		if err != nil {
			t.Fatal(err)
		}
		pgs, _, err := pages.ReadTIFF(data)
		if err != nil {
			t.Fatal(err)
		}
		p := pgs[0]
		if pages.ResolutionOf(p.YDPI) != c.want {
			t.Errorf("page drawn at %v dpi, want %v", p.YDPI, c.want)
		}
		var sum billing.Amount
		for i, re := range c.r.Lines.Recipients {
			if re.Cost <= 0 || re.Duration <= t30.SetupTime || m.Jobs[i].Recipient.Estimate != int64(re.Cost) ||
				m.Jobs[i].Recipient.EstimateTime != re.Duration.Truncate(1e6) {
				t.Errorf("recipient %d: estimate %+v, stored %+v", i, re, m.Jobs[i].Recipient)
			}
			sum += re.Cost
		}
		if sum != c.r.Estimate || len(c.r.Lines.PageTimes) != c.r.Pages {
			t.Errorf("total %v, sum %v; %d page times for %d pages", c.r.Estimate, sum, len(c.r.Lines.PageTimes), c.r.Pages)
		}
	}
	ratio := float64(std.Lines.PageTimes[0]-t30.PageOverhead) / float64(fine.Lines.PageTimes[0]-t30.PageOverhead)
	t.Logf("first page: fine %v, standard %v (phase C ratio %.2f); totals %v / %v", fine.Lines.PageTimes[0], std.Lines.PageTimes[0], ratio,
		fine.Lines.Duration, std.Lines.Duration)
	// T.6 codes each row against the one above, so halving the rows
	// saves less than half of a text page's bits (0.66 measured).
	if ratio < 0.4 || ratio > 0.75 {
		t.Errorf("standard's page time is %.2f of fine's, want half to three quarters", ratio)
	}
	if _, err := sub.Submit(ctx, submission.Message{Sender: store.User{ID: 1, Name: "anne"}, Recipients: rcpts, Subject: "x", Resolution: "ultra"}); err == nil {
		t.Error("resolution ultra accepted")
	}
}
