package t30

import "faxbox/pages"

// sentResolution follows the resolutions a sender fitted its pages to.
type sentResolution struct {
	lowest Resolution
	set    bool
	merged map[int]bool // page indexes whose rows were merged
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

// fill completes res with the lowest resolution and the merged pages.
func (r *sentResolution) fill(res *Result) {
	if r.set {
		res.LowestResolution = pagesResolution(r.lowest)
	}
	res.MergedPages = len(r.merged)
}
