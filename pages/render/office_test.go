package render

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOfficeDocuments: a letter and a table made into .docx, .odt and
// .xlsx by LibreOffice itself render through LibreOffice to pages with
// ink; each cut in half gives an error naming the attachment.
func TestOfficeDocuments(t *testing.T) {
	dir := t.TempDir()
	letter := "Invoice 42\n\nDear customer,\nplease find the amounts due below.\nTotal: 1234.56 EUR\n"
	if err := os.WriteFile(filepath.Join(dir, "letter.txt"), []byte(letter), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "table.csv"), []byte("item,amount\npaper,12.50\ntoner,89.90\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin, err := findOffice()
	if err != nil {
		t.Fatalf("%v (run  apt-get install -y libreoffice-writer-nogui libreoffice-calc-nogui)", err)
	}
	conv := func(to, in string) {
		run(t, dir, bin, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
			"--convert-to", to, "--outdir", dir, in)
	}
	conv("docx:MS Word 2007 XML", "letter.txt")
	conv("odt", "letter.txt")
	conv("xlsx", "table.csv")
	for _, f := range []string{"letter.docx", "letter.odt", "table.xlsx"} {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			want := strings.TrimPrefix(filepath.Ext(f), ".")
			if k := sniff(data, "attachment", ""); k != want {
				t.Errorf("sniffed %q, want %q", k, want)
			}
			doc, ps := renderAll(t, Options{NoCover: true}, Message{Time: testTime}, Attachment{Name: f, Data: data})
			if len(ps) != 1 || doc.Sources[0].Kind != want {
				t.Fatalf("%d pages of kind %q, want 1 of %q", len(ps), doc.Sources[0].Kind, want)
			}
			area := doc.Geometry().Area
			if n := blackIn(ps[0], area); n == 0 || n > area.Dx()*area.Dy()/20 {
				t.Errorf("%d black pixels: not a page of short text", n)
			}
			name := "cut-" + f
			err = renderErr(t, Options{}, Attachment{Name: name, Data: data[:len(data)/2]})
			var ae *AttachmentError
			if err == nil || !errors.As(err, &ae) || ae.Name != name || !errors.Is(err, ErrCorrupt) {
				t.Errorf("cut in half: err = %v", err)
			}
		})
	}
}

// TestOfficeConverterMissing: without LibreOffice an office document is
// refused with an error naming the converter and its Debian packages.
func TestOfficeConverterMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := renderErr(t, Options{}, Attachment{Name: "report.docx", Data: []byte("PK\x03\x04 not really a document")})
	var ae *AttachmentError
	if !errors.As(err, &ae) || ae.Name != "report.docx" || !errors.Is(err, ErrNoConverter) ||
		!strings.Contains(err.Error(), "soffice") || !strings.Contains(err.Error(), "libreoffice-writer-nogui") {
		t.Errorf("err = %v", err)
	}
}
