package render

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestScanPDF: the quick look at a PDF counts its pages and tells pages
// drawn in black and white from pages with grey, colour or images.
func TestScanPDF(t *testing.T) {
	grey := "%!PS\n/Helvetica findfont 14 scalefont setfont 0.5 setgray 72 700 moveto (Grey) show showpage\n"
	blue := "%!PS\n/Helvetica findfont 14 scalefont setfont 0 0 1 setrgbcolor 72 700 moveto (Blue) show showpage\n"
	white := "%!PS\n0 0 1 setrgbcolor /Helvetica findfont 14 scalefont setfont 0 setgray 72 700 moveto (Text) show 1 setgray 72 600 100 100 rectfill showpage\n"
	for _, c := range []struct {
		name  string
		ps    string
		pages int
		mono  bool
	}{
		{"text", textPS(10, nil, false), 10, true},
		{"landscape", textPS(3, map[int]bool{2: true}, false), 3, true},
		{"scan", textPS(2, nil, true), 2, false},
		{"grey", grey, 1, false},
		{"blue", blue, 1, false},
		{"white", white, 1, true},
	} {
		pdf := makePDF(t, c.ps)
		if f := scanPDF(pdf); f.pages != c.pages || f.mono != c.mono {
			t.Errorf("%s: %+v, want %d pages, mono %v", c.name, f, c.pages, c.mono)
		}
		// The same file with object streams and a cross-reference stream,
		// and rewritten by Cairo: the same answers.
		dir := t.TempDir()
		in := filepath.Join(dir, "in.pdf")
		if err := os.WriteFile(in, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, tool := range [][]string{
			{"gs", "-q", "-dSAFER", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pdfwrite", "-dWriteObjStms=true", "-dWriteXRefStm=true", "-o", filepath.Join(dir, "objstm.pdf"), in},
			{"pdftocairo", "-pdf", in, filepath.Join(dir, "cairo.pdf")},
		} {
			if _, err := exec.LookPath(tool[0]); err != nil {
				continue
			}
			if b, err := exec.Command(tool[0], tool[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v %s", tool[0], err, b)
			}
			out := tool[len(tool)-2]
			if tool[0] == "pdftocairo" {
				out = tool[len(tool)-1]
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if f := scanPDF(data); f.pages != c.pages || f.mono != c.mono {
				t.Errorf("%s via %s: %+v, want %d pages, mono %v", c.name, tool[0], f, c.pages, c.mono)
			}
		}
	}
	// Objects in an object stream, a cross-reference stream for trailer.
	pdf := objStmPDF(4)
	if f := scanPDF(pdf); f.pages != 4 || !f.mono {
		t.Errorf("object streams: %+v", f)
	}
	if n, err := New(Options{}).Render(context.Background(), Message{}, []Attachment{{Name: "o.pdf", Data: pdf}}); err != nil || n.NumPages() != 5 {
		t.Errorf("object streams: render: %v", err)
	}
	for _, bad := range []string{"", "%PDF-1.4\n", "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj trailer << /Root 1 0 R >>"} {
		if f := scanPDF([]byte(bad)); f.pages != 0 || f.mono {
			t.Errorf("%q: %+v", bad, f)
		}
	}
}

// objStmPDF returns a PDF of n pages whose catalogue, page tree and pages
// are in a compressed object stream.
func objStmPDF(n int) []byte {
	var objs []string
	kids := ""
	for i := 0; i < n; i++ {
		kids += fmt.Sprintf("%d 0 R ", 10+i)
	}
	objs = append(objs, "<< /Type /Catalog /Pages 2 0 R >>", fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 595 842] >>", kids, n))
	nums := []int{1, 2}
	for i := 0; i < n; i++ {
		objs = append(objs, "<< /Type /Page /Parent 2 0 R /Contents 3 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>")
		nums = append(nums, 10+i)
	}
	var head, body bytes.Buffer
	for i, o := range objs {
		fmt.Fprintf(&head, "%d %d ", nums[i], body.Len())
		body.WriteString(o + "\n")
	}
	deflate := func(s string) []byte {
		var b bytes.Buffer
		w := zlib.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	stm := deflate(head.String() + body.String())
	content := deflate("BT /F1 24 Tf 72 700 Td (Object streams) Tj ET 0 g 72 600 m 400 600 l S")
	var f bytes.Buffer
	f.WriteString("%PDF-1.5\n")
	fmt.Fprintf(&f, "3 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n", len(content), content)
	fmt.Fprintf(&f, "4 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n", len(objs), head.Len(), len(stm), stm)
	// The cross-reference stream: type 1 entries for 3, 4 and 5; type 2
	// for the objects in 4.
	off3 := bytes.Index(f.Bytes(), []byte("3 0 obj"))
	off4 := bytes.Index(f.Bytes(), []byte("4 0 obj"))
	off5 := f.Len()
	size := 10 + n
	rows := make([][]byte, size)
	for i := range rows {
		rows[i] = []byte{0, 0, 0, 0}
	}
	put := func(num int, typ byte, a, b int) { rows[num] = []byte{typ, byte(a >> 8), byte(a), byte(b)} }
	put(3, 1, off3, 0)
	put(4, 1, off4, 0)
	put(5, 1, off5, 0)
	for i, num := range nums {
		put(num, 2, 4, i)
	}
	xref := bytes.Join(rows, nil)
	fmt.Fprintf(&f, "5 0 obj\n<< /Type /XRef /Size %d /W [1 2 1] /Root 1 0 R /Length %d >>\nstream\n%s\nendstream\nendobj\n", size, len(xref), xref)
	fmt.Fprintf(&f, "startxref\n%d\n%%%%EOF\n", off5)
	return f.Bytes()
}
