package t30

import "io"

// progressEvery is how many coded bytes of a page go to the modem between
// two PageProgress events: about 4.5 s of line time at 14400 bit/s, so
// that a long page shows progress without an event a line.
const progressEvery = 8 << 10

// progressReader counts the bytes the modem reads of a page's phase C
// data and reports them every progressEvery bytes. The modem reads on the
// call's goroutine (t30.Modem.SendData), so report runs there too.
type progressReader struct {
	r       io.Reader
	n, last int
	report  func(n int)
}

func (p *progressReader) Read(b []byte) (int, error) {
	k, err := p.r.Read(b)
	p.n += k
	if p.n-p.last >= progressEvery {
		p.last = p.n
		p.report(p.n)
	}
	return k, err
}

// pageProgress returns a reader of data (phase C bytes of the current
// page, of which offset coded bytes were sent before and which carry
// coded bytes of the page's coding) that emits PageProgress in coded
// bytes of the page.
func (s *sender) pageProgress(data io.Reader, size, offset, coded int) io.Reader {
	return &progressReader{r: data, report: func(n int) {
		sent := offset + n*coded/max(size, 1)
		s.emit(PageProgress{Page: s.page, Sent: min(sent, len(s.coded)), Bytes: len(s.coded)})
	}}
}
