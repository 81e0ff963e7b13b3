package render

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"strconv"
)

// A quick look at a PDF's own bytes, without running a rasteriser: its
// page count (so that Render need not start Ghostscript once just to count
// pages) and whether every page is drawn in black and white only, so that
// Ghostscript can write 1-bit pages straight away.
//
// The look is deliberately cautious: any doubt (a damaged or encrypted
// file, a page tree whose /Count disagrees with its leaves, a filter or
// construct it does not know) gives "unknown" (pages 0) or "not
// black-and-white", and the caller falls back to asking the rasteriser or
// to rendering in grey.

// pdfFacts is what scanPDF learnt about a PDF.
type pdfFacts struct {
	pages int  // the page count, or 0 when unknown
	mono  bool // every page is text and vector art in black and white
	// photo: the file holds a continuous-tone image (a photograph or a
	// grey or colour scan): an image XObject, not a mask, of 4 or more
	// bits a component or coded in DCT or JPX (ISO 32000-1 8.9.5).
	photo bool
}

type (
	pdfName    string
	pdfKeyword string
	pdfRef     struct{ num, gen int }
	pdfDict    map[pdfName]any
)

// pdfObj is an indirect object: its value and, for a stream, its data as
// stored (still filtered).
type pdfObj struct {
	v      any
	stream []byte
	isStm  bool
}

// scanLimits bound the work scanPDF does on hostile input.
const (
	scanMaxInflate = 32 << 20 // bytes of decompressed streams, in total
	scanMaxDepth   = 32       // nesting of arrays, dictionaries, forms, page tree
	scanMaxObjects = 1 << 20
)

type pdfScanner struct {
	data     []byte
	objs     map[int]pdfObj
	trailer  pdfDict
	encrypt  bool
	inflated int64
}

// scanPDF reads data's page count and checks whether its pages are black
// and white only.
func scanPDF(data []byte) pdfFacts {
	s := &pdfScanner{data: data, objs: make(map[int]pdfObj)}
	s.index()
	root, ok := s.resolve(s.trailer["Root"]).(pdfDict)
	if !ok {
		return pdfFacts{}
	}
	tree, ok := s.resolve(root["Pages"]).(pdfDict)
	if !ok {
		return pdfFacts{}
	}
	count, ok := tree["Count"].(int)
	if !ok || count <= 0 {
		return pdfFacts{}
	}
	w := &pageWalk{s: s, seen: map[pdfRef]bool{}, mono: !s.encrypt, formSeen: map[pdfRef]bool{}}
	w.walk(root["Pages"], nil, 0)
	if w.bad || w.leaves != count {
		return pdfFacts{}
	}
	return pdfFacts{pages: count, mono: w.mono, photo: s.hasContone()}
}

// hasContone reports whether any stream object of the file is a
// continuous-tone image.
func (s *pdfScanner) hasContone() bool {
	for _, o := range s.objs {
		d, ok := o.v.(pdfDict)
		if !ok || !o.isStm || d["Subtype"] != pdfName("Image") || d["ImageMask"] == true {
			continue
		}
		if bpc, ok := s.resolve(d["BitsPerComponent"]).(int); ok && bpc >= 4 {
			return true
		}
		f := s.resolve(d["Filter"])
		fs, _ := f.([]any)
		for _, x := range append(fs, f) {
			if n := s.resolve(x); n == pdfName("DCTDecode") || n == pdfName("JPXDecode") {
				return true
			}
		}
	}
	return false
}

// index finds every "N G obj" in the file, later definitions replacing
// earlier ones as incremental updates do, unpacks object streams, and
// keeps the last trailer (or cross-reference stream dictionary).
func (s *pdfScanner) index() {
	b := s.data
	type objStm struct {
		o   pdfObj
		pos int
	}
	var objStms []objStm
	pos := make(map[int]int) // where each object's definition is
	tpos := -1               // the next "trailer" at or after i, or len(b)
	for i := 0; i < len(b) && len(s.objs) < scanMaxObjects; {
		if tpos < i {
			tpos = len(b)
			if t := bytes.Index(b[i:], []byte("trailer")); t >= 0 {
				tpos = i + t
			}
		}
		j := bytes.Index(b[i:], []byte("obj"))
		if j < 0 && tpos == len(b) {
			break
		}
		if j < 0 || tpos < i+j {
			l := &pdfLexer{b: b, i: tpos + len("trailer")}
			if d, ok := l.value(0).(pdfDict); ok {
				s.setTrailer(d)
			}
			i = tpos + len("trailer")
			continue
		}
		at := i + j
		i = at + 3
		if i < len(b) && !isPDFDelim(b[i]) && !isPDFSpace(b[i]) {
			continue
		}
		num, ok := objNumberBefore(b, at)
		if !ok {
			continue
		}
		l := &pdfLexer{b: b, i: i}
		v := l.value(0)
		if l.err {
			continue
		}
		o := pdfObj{v: v}
		l.skipSpace()
		i = l.i
		if bytes.HasPrefix(b[l.i:], []byte("stream")) {
			k := l.i + len("stream")
			if k < len(b) && b[k] == '\r' {
				k++
			}
			if k < len(b) && b[k] == '\n' {
				k++
			}
			end := bytes.Index(b[k:], []byte("endstream"))
			if end < 0 {
				end = len(b) - k
			}
			if d, ok := v.(pdfDict); ok {
				if n, ok := d["Length"].(int); ok && n >= 0 && n <= end {
					end = n
				}
			}
			o.stream, o.isStm = b[k:k+end], true
			i = k + end
		}
		s.objs[num], pos[num] = o, at
		if d, ok := v.(pdfDict); ok && o.isStm {
			switch d["Type"] {
			case pdfName("ObjStm"):
				objStms = append(objStms, objStm{o, at})
			case pdfName("XRef"):
				s.setTrailer(d)
			}
		}
	}
	// Objects in object streams, unless defined again later in the file.
	for _, os := range objStms {
		s.unpack(os.o, func(num int) bool {
			p, dup := pos[num]
			if dup && p > os.pos {
				return false
			}
			pos[num] = os.pos
			return true
		})
	}
}

func (s *pdfScanner) setTrailer(d pdfDict) {
	if _, ok := d["Encrypt"]; ok {
		s.encrypt = true
	}
	if _, ok := d["Root"]; ok {
		s.trailer = d
	}
}

// objNumberBefore parses "N G " ending at b[at] (the "obj" keyword).
func objNumberBefore(b []byte, at int) (int, bool) {
	k := at
	digits := func() (int, bool) {
		e := k
		for k > 0 && b[k-1] >= '0' && b[k-1] <= '9' && e-k < 10 {
			k--
		}
		if k == e {
			return 0, false
		}
		n, err := strconv.Atoi(string(b[k:e]))
		return n, err == nil
	}
	spaces := func() bool {
		e := k
		for k > 0 && isPDFSpace(b[k-1]) {
			k--
		}
		return k < e
	}
	if !spaces() {
		return 0, false
	}
	if _, ok := digits(); !ok || !spaces() {
		return 0, false
	}
	return digits()
}

// unpack adds the objects of an object stream that take is true for.
func (s *pdfScanner) unpack(o pdfObj, take func(num int) bool) {
	d := o.v.(pdfDict)
	n, _ := d["N"].(int)
	first, _ := d["First"].(int)
	data, ok := s.decode(d, o.stream)
	if !ok || n <= 0 || first <= 0 || first > len(data) {
		return
	}
	l := &pdfLexer{b: data[:first]}
	for k := 0; k < n; k++ {
		num, ok1 := l.value(0).(int)
		off, ok2 := l.value(0).(int)
		if !ok1 || !ok2 || l.err || first+off >= len(data) {
			return
		}
		if !take(num) {
			continue
		}
		vl := &pdfLexer{b: data, i: first + off}
		v := vl.value(0)
		if !vl.err {
			s.objs[num] = pdfObj{v: v}
		}
	}
}

// resolve follows an indirect reference.
func (s *pdfScanner) resolve(v any) any {
	for range 8 {
		r, ok := v.(pdfRef)
		if !ok {
			return v
		}
		v = s.objs[r.num].v
	}
	return nil
}

// decode returns a stream's data, unfiltered when its only filter is
// FlateDecode without a predictor; ok is false for any other filter, for
// damaged data, and once the inflation budget is spent.
func (s *pdfScanner) decode(d pdfDict, raw []byte) ([]byte, bool) {
	f := s.resolve(d["Filter"])
	if a, ok := f.([]any); ok && len(a) == 1 {
		f = s.resolve(a[0])
	}
	switch f {
	case nil:
		return raw, true
	case pdfName("FlateDecode"):
	default:
		return nil, false
	}
	if s.resolve(d["DecodeParms"]) != nil {
		return nil, false
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, false
	}
	budget := scanMaxInflate - s.inflated
	var out bytes.Buffer
	n, err := io.Copy(&out, io.LimitReader(zr, budget+1))
	s.inflated += n
	if n > budget || (err != nil && !errors.Is(err, io.ErrUnexpectedEOF)) {
		return nil, false
	}
	return out.Bytes(), true
}

// pageWalk visits the page tree, counting pages and checking what they
// draw.
type pageWalk struct {
	s        *pdfScanner
	seen     map[pdfRef]bool
	formSeen map[pdfRef]bool
	leaves   int
	bad      bool // the tree is damaged: the count is not to be trusted
	mono     bool
}

func (w *pageWalk) walk(v any, inherited any, depth int) {
	r, ok := v.(pdfRef)
	if !ok || w.seen[r] || depth > scanMaxDepth {
		w.bad = true
		return
	}
	w.seen[r] = true
	d, ok := w.s.resolve(r).(pdfDict)
	if !ok {
		w.bad = true
		return
	}
	res := d["Resources"]
	if res == nil {
		res = inherited
	}
	switch d["Type"] {
	case pdfName("Pages"):
		kids, ok := w.s.resolve(d["Kids"]).([]any)
		if !ok {
			w.bad = true
			return
		}
		for _, k := range kids {
			w.walk(k, res, depth+1)
			if w.bad {
				return
			}
		}
	case pdfName("Page"):
		w.leaves++
		if w.mono {
			w.mono = w.monoPage(d, res)
		}
	default:
		w.bad = true
	}
}

// monoPage reports whether a page draws in black and white only: no
// images, shadings, patterns, soft masks or Type 3 fonts in its resources
// or in the forms it uses, no annotation appearances, and content that
// sets no colour other than black or white.
func (w *pageWalk) monoPage(d pdfDict, res any) bool {
	if a, ok := w.s.resolve(d["Annots"]).([]any); ok {
		for _, x := range a {
			if ad, ok := w.s.resolve(x).(pdfDict); ok && ad["AP"] != nil {
				return false
			}
		}
	}
	return w.monoContent(d["Contents"], res, 0)
}

// monoContent checks content (a stream reference, or an array of them)
// drawn with the resources res.
func (w *pageWalk) monoContent(contents any, res any, depth int) bool {
	if depth > scanMaxDepth || !w.monoResources(res, depth) {
		return false
	}
	var refs []any
	switch c := contents.(type) {
	case nil:
		return true
	case []any:
		refs = c
	case pdfRef:
		refs = []any{c}
		if a, ok := w.s.objs[c.num].v.([]any); ok && !w.s.objs[c.num].isStm {
			refs = a
		}
	default:
		return false
	}
	var all []byte
	for _, r := range refs {
		ref, ok := r.(pdfRef)
		if !ok {
			return false
		}
		o := w.s.objs[ref.num]
		dict, ok := o.v.(pdfDict)
		if !o.isStm || !ok {
			return false
		}
		data, ok := w.s.decode(dict, o.stream)
		if !ok {
			return false
		}
		all = append(append(all, data...), '\n')
	}
	return monoOperators(all)
}

// monoResources checks a resource dictionary.
func (w *pageWalk) monoResources(res any, depth int) bool {
	rd, ok := w.s.resolve(res).(pdfDict)
	if res == nil {
		return true
	}
	if !ok {
		return false
	}
	for _, k := range []pdfName{"Shading", "Pattern"} {
		if m, ok := w.s.resolve(rd[k]).(pdfDict); ok && len(m) > 0 {
			return false
		}
	}
	if m, ok := w.s.resolve(rd["ExtGState"]).(pdfDict); ok {
		for _, g := range m {
			gd, ok := w.s.resolve(g).(pdfDict)
			if !ok {
				return false
			}
			if sm := w.s.resolve(gd["SMask"]); sm != nil && sm != pdfName("None") {
				return false
			}
			for _, k := range []pdfName{"CA", "ca"} {
				if a, ok := gd[k]; ok && a != 1 && a != 1.0 {
					return false
				}
			}
			if _, ok := gd["TR"]; ok {
				return false
			}
			if _, ok := gd["HT"]; ok {
				return false
			}
		}
	}
	if m, ok := w.s.resolve(rd["Font"]).(pdfDict); ok {
		for _, f := range m {
			if fd, ok := w.s.resolve(f).(pdfDict); !ok || fd["Subtype"] == pdfName("Type3") {
				return false
			}
		}
	}
	if m, ok := w.s.resolve(rd["XObject"]).(pdfDict); ok {
		for _, x := range m {
			r, ok := x.(pdfRef)
			if !ok {
				return false
			}
			xd, ok := w.s.objs[r.num].v.(pdfDict)
			if !ok || xd["Subtype"] != pdfName("Form") || xd["SMask"] != nil {
				return false
			}
			if w.formSeen[r] {
				continue
			}
			w.formSeen[r] = true
			if !w.monoContent(r, xd["Resources"], depth+1) {
				return false
			}
		}
	}
	return true
}

// monoOperators reads a content stream and reports whether every colour
// it sets is black or white (in DeviceGray, DeviceRGB or DeviceCMYK) and
// it has no inline image or shading.
func monoOperators(b []byte) bool {
	l := &pdfLexer{b: b, content: true}
	var ops []any
	for {
		l.skipSpace()
		if l.i >= len(b) {
			return true
		}
		v := l.value(0)
		if l.err {
			return false
		}
		k, ok := v.(pdfKeyword)
		if !ok {
			ops = append(ops, v)
			continue
		}
		switch k {
		case "g", "G", "rg", "RG", "k", "K", "sc", "SC", "scn", "SCN":
			if !blackOrWhite(ops) {
				return false
			}
		case "cs", "CS":
			if len(ops) != 1 {
				return false
			}
			switch ops[0] {
			case pdfName("DeviceGray"), pdfName("DeviceRGB"), pdfName("DeviceCMYK"):
			default:
				return false
			}
		case "BI", "ID", "sh":
			return false
		}
		ops = ops[:0]
	}
}

// blackOrWhite reports whether a colour operator's operands give pure
// black or pure white.
func blackOrWhite(ops []any) bool {
	var n []float64
	for _, o := range ops {
		switch v := o.(type) {
		case int:
			n = append(n, float64(v))
		case float64:
			n = append(n, v)
		default:
			return false
		}
	}
	all := func(x float64) bool {
		for _, v := range n {
			if v != x {
				return false
			}
		}
		return true
	}
	switch len(n) {
	case 1, 3:
		return all(0) || all(1)
	case 4:
		if n[3] == 1 {
			return true // full black ink
		}
		return all(0)
	}
	return false
}

// pdfLexer reads PDF objects (and, with content, content stream tokens).
type pdfLexer struct {
	b       []byte
	i       int
	err     bool
	content bool
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (l *pdfLexer) skipSpace() {
	for l.i < len(l.b) {
		c := l.b[l.i]
		if c == '%' {
			for l.i < len(l.b) && l.b[l.i] != '\n' && l.b[l.i] != '\r' {
				l.i++
			}
			continue
		}
		if !isPDFSpace(c) {
			return
		}
		l.i++
	}
}

// value reads one object; an indirect reference "N G R" is read as one.
func (l *pdfLexer) value(depth int) any {
	l.skipSpace()
	if l.i >= len(l.b) || depth > scanMaxDepth {
		l.err = true
		return nil
	}
	b := l.b
	c := b[l.i]
	switch {
	case c == '/':
		l.i++
		s := l.i
		for l.i < len(b) && !isPDFSpace(b[l.i]) && !isPDFDelim(b[l.i]) {
			l.i++
		}
		name := b[s:l.i]
		if bytes.IndexByte(name, '#') >= 0 {
			var out []byte
			for k := 0; k < len(name); k++ {
				if name[k] == '#' && k+2 < len(name) {
					if v, err := strconv.ParseUint(string(name[k+1:k+3]), 16, 8); err == nil {
						out = append(out, byte(v))
						k += 2
						continue
					}
				}
				out = append(out, name[k])
			}
			name = out
		}
		return pdfName(name)
	case c == '<' && l.i+1 < len(b) && b[l.i+1] == '<':
		l.i += 2
		d := pdfDict{}
		for {
			l.skipSpace()
			if l.i+1 < len(b) && b[l.i] == '>' && b[l.i+1] == '>' {
				l.i += 2
				return d
			}
			k, ok := l.value(depth + 1).(pdfName)
			if !ok || l.err {
				l.err = true
				return nil
			}
			d[k] = l.value(depth + 1)
			if l.err {
				return nil
			}
		}
	case c == '<':
		e := bytes.IndexByte(b[l.i:], '>')
		if e < 0 {
			l.err = true
			return nil
		}
		l.i += e + 1
		return ""
	case c == '(':
		nest := 0
		for l.i < len(b) {
			switch b[l.i] {
			case '\\':
				l.i++
			case '(':
				nest++
			case ')':
				nest--
			}
			l.i++
			if nest == 0 {
				return ""
			}
		}
		l.err = true
		return nil
	case c == '[':
		l.i++
		var a []any
		for {
			l.skipSpace()
			if l.i < len(b) && b[l.i] == ']' {
				l.i++
				return a
			}
			v := l.value(depth + 1)
			if l.err {
				return nil
			}
			a = append(a, v)
		}
	case c == '{' || c == '}':
		l.i++
		return pdfKeyword(c)
	case c == ')' || c == '>' || c == ']':
		l.err = true
		return nil
	}
	s := l.i
	for l.i < len(b) && !isPDFSpace(b[l.i]) && !isPDFDelim(b[l.i]) {
		l.i++
	}
	tok := string(b[s:l.i])
	if n, err := strconv.Atoi(tok); err == nil {
		if l.content {
			return n
		}
		// "N G R"?
		save := l.i
		l.skipSpace()
		gs := l.i
		for l.i < len(b) && b[l.i] >= '0' && b[l.i] <= '9' {
			l.i++
		}
		if l.i > gs {
			g, _ := strconv.Atoi(string(b[gs:l.i]))
			l.skipSpace()
			if l.i < len(b) && b[l.i] == 'R' && (l.i+1 == len(b) || isPDFSpace(b[l.i+1]) || isPDFDelim(b[l.i+1])) {
				l.i++
				return pdfRef{n, g}
			}
		}
		l.i = save
		return n
	}
	if f, err := strconv.ParseFloat(tok, 64); err == nil {
		return f
	}
	if tok == "" {
		l.err = true
		return nil
	}
	return pdfKeyword(tok)
}
