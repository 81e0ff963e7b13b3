package ui_test

import (
	"strings"

	"github.com/chromedp/chromedp"
)

// chooseResolution picks superfine, then fine, on the compose page: each
// preview shows the estimate for that resolution (superfine's higher),
// per recipient (four) and per page; superfine takes longer on the line
// and costs no less (the demo tariff charges whole minutes).
func (b *browser) chooseResolution() {
	t := b.t
	t.Helper()
	type est struct{ cost, seconds float64 }
	preview := func(res string) est {
		b.do("choose "+res, chromedp.SetValue(chromedp.CSS(`#resolution`), res))
		evalJS[bool](b, `document.getElementById('resolution').dispatchEvent(new Event('change'))`)
		b.do("preview at "+res, chromedp.Click(chromedp.CSS(`#preview`)))
		b.waitJS("the estimate at "+res, `document.getElementById('estimate').dataset.resolution === '`+res+`' &&
			document.querySelectorAll('#estimate .estimate-recipients li').length === 4 &&
			!!document.querySelector('#estimate .estimate-pages')`)
		return est{b.amount("#estimate"), evalJS[float64](b, `+document.getElementById('estimate').dataset.seconds`)}
	}
	super, fine := preview("superfine"), preview("fine")
	text := evalJS[string](b, `document.getElementById('estimate').textContent`)
	if super.seconds <= fine.seconds || super.cost < fine.cost || !strings.Contains(text, "Fine") || !strings.Contains(text, "page 2") {
		t.Errorf("estimate %+v at superfine, %+v at fine; shown %q", super, fine, text)
	}
	t.Logf("estimates: superfine %+v, fine %+v; %s", super, fine, text)
}

// checkSentResolution: the message sent from the compose page was sent
// at the resolution chosen, as its archive says.
func (b *browser) checkSentResolution(want string) {
	t := b.t
	t.Helper()
	got := evalJS[string](b, `(async () => {
		const id = document.querySelector('.message').dataset.message;
		const m = await (await fetch('/api/messages/' + id)).json();
		const pdf = await (await fetch('/api/messages/' + id + '/archive.pdf')).text();
		return m.resolution + ' ' + (pdf.includes(', ' + m.resolution + ' resolution') ? 'archive' : 'no-archive');
	})()`, chromedp.EvalAwaitPromise)
	if got != want+" archive" {
		t.Errorf("the sent message's resolution and archive: %q, want %s in both", got, want)
	}
}

// checkLearnedRate: a recipient whose last call went at 9600 bit/s
// without error correction is estimated so, and the estimate says why;
// one at 14400 with it says nothing more. A recipient whose fax machine
// took standard only in the last call is told its pages go at standard,
// in the list and alone. The compose page's own estimate module draws an
// answer of POST /api/previews.
func (b *browser) checkLearnedRate() {
	t := b.t
	t.Helper()
	got := evalJS[[]string](b, `import('/estimate.js').then(m => {
		const box = document.createElement('div');
		const r = (number, rate, ecm, rr) => ({ number, name: number, estimate: '0.10', seconds: 60, assumed_rate: rate, assumed_ecm: ecm,
			receiver_resolution: rr });
		const show = (rcpts) => m.showEstimate(box, { estimate: '0.20', currency: 'EUR', estimates: { resolution: 'fine', seconds: 120,
			page_seconds: [20], recipients: rcpts } });
		show([r('+3225550001', 9600, false), r('+3225550002', 14400, true), r('+3225550003', 14400, true, 'standard')]);
		const out = [...box.querySelectorAll('.estimate-recipients li')].map(li => li.textContent);
		show([r('+3225550003', 14400, true, 'standard')]);
		return out.concat([box.querySelector('.estimate-receiver')?.textContent || '']);
	})`, chromedp.EvalAwaitPromise)
	const lower = "(their fax machine takes standard only: sent at standard)"
	if len(got) != 4 || !strings.Contains(got[0], "9600 bit/s without error correction, as the last call to this number went") ||
		strings.Contains(got[1], "bit/s") || strings.Contains(got[0]+got[1], "their fax machine") ||
		!strings.HasSuffix(got[2], lower) || got[3] != lower {
		t.Errorf("the estimate's recipients read %q", got)
	}
}
