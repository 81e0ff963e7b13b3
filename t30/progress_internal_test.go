package t30

import (
	"bytes"
	"io"
	"testing"
)

// TestProgressReader: a page's phase C data read by the modem reports
// its progress every progressEvery bytes, in coded bytes of the page.
func TestProgressReader(t *testing.T) {
	var got []int
	data := make([]byte, 3*progressEvery+100)
	// Framed data twice the size of the coded bytes it carries, starting
	// 1000 coded bytes into the page.
	p := &progressReader{r: bytes.NewReader(data), report: func(n int) { got = append(got, 1000+n/2) }}
	if _, err := io.Copy(io.Discard, p); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != 1000+progressEvery/2 || got[2] != 1000+3*progressEvery/2 {
		t.Errorf("reports %v", got)
	}
}
