package render

import (
	"math"

	"faxbox/pages"
)

// WithResolution returns a Renderer with r's options at resolution res,
// sharing r's fonts: one appliance-wide Renderer serves messages sent at
// different resolutions.
func (r *Renderer) WithResolution(res pages.Resolution) *Renderer {
	if r.err == nil && r.o.Resolution == res {
		return r
	}
	c := *r
	c.o.Resolution = res
	if r.err == nil {
		c.geom, c.err = NewGeometry(r.o.Paper, res, r.o.Margins)
	}
	return &c
}

// Resolution returns the resolution the Renderer draws pages at.
func (r *Renderer) Resolution() pages.Resolution { return r.o.Resolution }

// keepsOwn reports whether a bilevel fax page w pixels wide at xdpi by
// ydpi is sent as it is, at its own resolution: it has the fax width and
// resolution (T.4 2.2) and its resolution is the document's or a lower
// one, so that keeping it neither loses rows nor costs line time the
// sender did not choose. A fine page in a standard document is scaled
// down instead (the chosen resolution does not allow it).
func (d *Document) keepsOwn(w int, xdpi, ydpi float64) (pages.Resolution, bool) {
	g := d.r.geom
	if w != g.Width || ydpi <= 0 || math.Abs(xdpi-g.XDPI) >= 12 {
		return 0, false
	}
	own := pages.ResolutionOf(ydpi)
	return own, own <= d.r.o.Resolution
}

// taglineFor returns the geometry and the header-line face for page p:
// the document's, or for a page kept at a lower resolution of its own
// (keepsOwn) the same layout at that resolution, so that the header line
// has the same size on every page of the fax.
func (d *Document) taglineFor(p *pages.Page) (Geometry, *face) {
	g := d.r.geom
	if p.YDPI <= 0 || pages.ResolutionOf(p.YDPI) == d.r.o.Resolution {
		return g, d.faces.tag
	}
	own := pages.ResolutionOf(p.YDPI)
	if d.ownTags == nil {
		d.ownTags = map[pages.Resolution]ownTag{}
	}
	t, ok := d.ownTags[own]
	if !ok {
		og, err := NewGeometry(d.r.o.Paper, own, d.r.o.Margins)
		if err != nil {
			return g, d.faces.tag
		}
		x, y := own.DPI()
		fc, err := newFace(d.r.fonts.bold, taglinePt, x, y)
		if err != nil {
			return g, d.faces.tag
		}
		t = ownTag{og, fc}
		d.ownTags[own] = t
	}
	return t.geom, t.face
}

// ownTag is the header-line layout of pages kept at a resolution of their
// own.
type ownTag struct {
	geom Geometry
	face *face
}
