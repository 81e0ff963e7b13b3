package t30

import "faxbox/pages"

// sentResolution follows the resolutions a sender fitted its pages to.
type sentResolution struct {
	lowest Resolution
	set    bool
	merged map[int]bool // page indexes whose rows were merged
	// receiver is the best resolution the last DIS announced, known
	// once one came.
	receiver Resolution
	known    bool
}

// announced notes the best resolution of the receiver's DIS (T.30
// Table 2, bits 15 and 41) among those choose sends at: 300x300 and
// 400x400 (bits 42, 43) are not sent at, so they do not count. A page
// rendered above it is sent at it, rows merged; a receiver announcing
// superfine without fine (which choose sends a fine page to at standard)
// is taken for its best.
func (r *sentResolution) announced(caps Capabilities) {
	r.receiver, r.known = ResSuperfine, true
	for r.receiver != ResStandard && !caps.Resolutions.Has(r.receiver) {
		r.receiver--
	}
}

// prepare fits page i (0-based) to ps as prepare does, noting the
// resolution it is sent at and whether its rows were merged.
func (r *sentResolution) prepare(i int, p *pages.Page, ps Params) (*pages.Page, error) {
	q, err := prepare(p, ps)
	if err != nil {
		return nil, err
	}
	if !r.set || ps.Resolution < r.lowest {
		r.lowest, r.set = ps.Resolution, true
	}
	if resolutionOf(p) > ps.Resolution {
		if r.merged == nil {
			r.merged = map[int]bool{}
		}
		r.merged[i] = true
	}
	return q, nil
}

// fill completes res with the lowest resolution, the merged pages and
// the receiver's best resolution.
func (r *sentResolution) fill(res *Result) {
	if r.set {
		res.LowestResolution = pagesResolution(r.lowest)
	}
	res.MergedPages = len(r.merged)
	if r.known {
		res.ReceiverResolution, res.ReceiverKnown = pagesResolution(r.receiver), true
	}
}
