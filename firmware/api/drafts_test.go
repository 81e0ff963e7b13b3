package api_test

import (
	"bytes"
	"context"
	"faxbox/pages/render"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
)

type draftAnswer struct {
	Form *struct {
		To []struct {
			Value, Label, Number string
		} `json:"to"`
		Cc         []struct{ Value string } `json:"cc"`
		Subject    string                   `json:"subject"`
		Body       string                   `json:"body"`
		NoCover    bool                     `json:"no_cover"`
		Resolution string                   `json:"resolution"`
		Unchecked  []string                 `json:"unchecked"`
	} `json:"form"`
	Files []struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Size     int64  `json:"size"`
		SizeText string `json:"size_text"`
	} `json:"files"`
	Supported string `json:"supported"`
	Error     string `json:"error"`
}

// upload sends files to POST /api/draft/files as the multipart field "file".
func (e *env) upload(t *testing.T, files map[string][]byte, contentType string) (int, draftAnswer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, data := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`)
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		fw, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	var d draftAnswer
	code := e.do(t, "POST", "/api/draft/files", mw.FormDataContentType(), &buf, &d)
	return code, d
}

// pngFile is a small grey picture.
func pngFile(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 200, 100))
	for i := range img.Pix {
		img.Pix[i] = uint8(i % 251)
	}
	img.Set(5, 5, color.Black)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDraftKeepsFormAndFiles: the form and the files of a draft are kept
// on the appliance, listed with readable sizes, and taken off one by one.
func TestDraftKeepsFormAndFiles(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	var d draftAnswer
	if code := e.do(t, "GET", "/api/draft", "", nil, &d); code != http.StatusOK || d.Form != nil || len(d.Files) != 0 ||
		!strings.Contains(d.Supported, "PDF") {
		t.Fatalf("an empty draft: %d %+v", code, d)
	}
	form := `{"to":[{"value":"+3225551234","label":"Alice Martin","number":"+3225551234"}],"subject":"Deed","body":"Hi","no_cover":true,"resolution":"superfine"}`
	if code := e.do(t, "PUT", "/api/draft", "application/json", strings.NewReader(form), &d); code != http.StatusOK {
		t.Fatalf("PUT /api/draft: %d %+v", code, d)
	}
	if code := e.do(t, "PUT", "/api/draft", "application/json", strings.NewReader(`{"resolution":"ultra"}`), nil); code != http.StatusBadRequest {
		t.Errorf("a draft with an unknown resolution: %d, want 400", code)
	}
	big := bytes.Repeat([]byte("a line of text\n"), 100_000)
	if code, _ := e.upload(t, map[string][]byte{"notes.txt": big, "photo.png": pngFile(t)}, ""); code != http.StatusCreated {
		t.Fatalf("upload: %d", code)
	}
	if code := e.do(t, "GET", "/api/draft", "", nil, &d); code != http.StatusOK {
		t.Fatal(code)
	}
	if d.Form == nil || d.Form.Subject != "Deed" || !d.Form.NoCover || d.Form.Resolution != "superfine" || len(d.Form.To) != 1 || d.Form.To[0].Label != "Alice Martin" {
		t.Errorf("the form came back as %+v", d.Form)
	}
	if len(d.Files) != 2 {
		t.Fatalf("files %+v, want 2", d.Files)
	}
	for _, f := range d.Files {
		if f.Name == "notes.txt" && (f.Size != int64(len(big)) || f.SizeText != "1.4 MB") {
			t.Errorf("notes.txt: size %d %q, want %d and 1.4 MB", f.Size, f.SizeText, len(big))
		}
	}
	if code := e.do(t, "DELETE", "/api/draft/files/"+d.Files[0].ID, "", nil, &d); code != http.StatusOK || len(d.Files) != 1 {
		t.Errorf("delete a file: %d, %d files left", code, len(d.Files))
	}
	// Another user does not see it.
	var other draftAnswer
	if e.doAs(t, bobToken, "GET", "/api/draft", "", nil, &other); other.Form != nil || len(other.Files) != 0 {
		t.Errorf("bob sees alice's draft: %+v", other)
	}
	if code := e.do(t, "DELETE", "/api/draft", "", nil, nil); code != http.StatusNoContent {
		t.Errorf("discard: %d", code)
	}
	if e.do(t, "GET", "/api/draft", "", nil, &d); d.Form != nil || len(d.Files) != 0 {
		t.Errorf("after discarding: %+v", d)
	}
}

// TestDraftFileChecks: a file that cannot be faxed is refused as it is
// added, naming it, saying what is wrong and what to do, in plain words.
func TestDraftFileChecks(t *testing.T) {
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) { c.MaxUpload = 2 << 20 })
	doc := append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), bytes.Repeat([]byte{0}, 200)...)
	for _, tc := range []struct {
		name        string
		data        []byte
		contentType string
		code        int
		want        []string
	}{
		{"offer.doc", doc, "application/msword", 415,
			[]string{"offer.doc", "Word document", "Save it as PDF", "PNG", "Word (.docx)"}},
		{"archive.zip", []byte("PK\x03\x04garbage"), "application/zip", 415, []string{"archive.zip", ".zip file", "Save it as PDF"}},
		{"deed.pdf", []byte("this is not a pdf at all"), "application/pdf", 400, []string{"deed.pdf", "damaged", "save it again as PDF"}},
		{"empty.txt", nil, "text/plain", 400, []string{"empty.txt", "empty"}},
		{"huge.txt", bytes.Repeat([]byte("x\n"), 1_100_000), "text/plain", 413, []string{"huge.txt", "2.1 MB", "at most 2 MB"}},
	} {
		code, d := e.upload(t, map[string][]byte{tc.name: tc.data}, tc.contentType)
		if code != tc.code {
			t.Errorf("%s: status %d, want %d: %s", tc.name, code, tc.code, d.Error)
		}
		for _, w := range tc.want {
			if !strings.Contains(d.Error, w) {
				t.Errorf("%s: %q does not say %q", tc.name, d.Error, w)
			}
		}
		for _, dev := range []string{"render:", "%PDF-", "content type", "KiB", "signature"} {
			if strings.Contains(d.Error, dev) {
				t.Errorf("%s: %q has developer words (%q)", tc.name, d.Error, dev)
			}
		}
	}
	var d draftAnswer
	if e.do(t, "GET", "/api/draft", "", nil, &d); len(d.Files) != 0 {
		t.Errorf("refused files kept: %+v", d.Files)
	}
	// With LibreOffice installed (make test installs it), a .docx is
	// taken: it is converted when rendered.
	if err := render.OfficeConverter(); err != nil {
		t.Fatalf("the office converter this test needs: %v", err)
	}
	docx := append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0}, 200)...)
	if code, d := e.upload(t, map[string][]byte{"offer.docx": docx}, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"); code >= 300 {
		t.Errorf("a .docx refused with LibreOffice installed: %d %s", code, d.Error)
	}
	// The same checks when files come with the message itself.
	ct, body := form(t, map[string]string{"to": "+32 2 555 12 34"}, map[string]string{"letter.pdf": "no pdf here"})
	var ae apiError
	if code := e.do(t, "POST", "/api/messages", ct, body, &ae); code != http.StatusBadRequest ||
		!strings.Contains(ae.Error, "letter.pdf: this PDF is damaged") {
		t.Errorf("a damaged PDF sent: %d %q", code, ae.Error)
	}
}

// TestNoCover: a message can leave its first page out; it then needs a
// file.
func TestNoCover(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	var with, without message
	ct, body := form(t, map[string]string{"to": "+32 2 555 12 34", "subject": "S"}, map[string]string{"a.txt": "hello\n"})
	if code := e.do(t, "POST", "/api/messages", ct, body, &with); code != http.StatusCreated {
		t.Fatal(code)
	}
	ct, body = form(t, map[string]string{"to": "+32 2 555 12 34", "subject": "S", "no_cover": "1"}, map[string]string{"a.txt": "hello\n"})
	if code := e.do(t, "POST", "/api/messages", ct, body, &without); code != http.StatusCreated {
		t.Fatal(code)
	}
	if with.Pages != 2 || without.Pages != 1 {
		t.Errorf("pages with a cover page %d, without %d; want 2 and 1", with.Pages, without.Pages)
	}
	ct, body = form(t, map[string]string{"to": "+32 2 555 12 34", "subject": "S", "no_cover": "1"}, nil)
	var ae apiError
	if code := e.do(t, "POST", "/api/messages", ct, body, &ae); code != http.StatusBadRequest || !strings.Contains(ae.Error, "attach") {
		t.Errorf("no cover page and no file: %d %q", code, ae.Error)
	}
}

// TestResend: a resend brings the message back as the draft, with its
// files, for all its recipients or one; sent again, it has the same
// attachment pages.
func TestResend(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) { c.Now = clk.now })
	ct, body := form(t, map[string]string{"to": "+32 2 555 12 34", "cc": "+32 2 555 66 77", "subject": "Deed", "body": "Signed."},
		map[string]string{"a.txt": strings.Repeat("first attachment\n", 80), "b.txt": "second attachment\n"})
	var m message
	if code := e.do(t, "POST", "/api/messages", ct, body, &m); code != http.StatusCreated || len(m.Jobs) != 2 {
		t.Fatalf("send: %d %+v", code, m)
	}
	var d draftAnswer
	if code := e.do(t, "POST", "/api/messages/"+itoa(m.ID)+"/resend", "", nil, &d); code != http.StatusOK {
		t.Fatalf("resend: %d %s", code, d.Error)
	}
	if d.Form == nil || d.Form.Subject != "Deed" || len(d.Form.To) != 1 || len(d.Form.Cc) != 1 || len(d.Files) != 2 {
		t.Fatalf("the resent draft: %+v", d)
	}
	var cc int64
	for _, j := range m.Jobs {
		if j.Recipient.Field == "cc" {
			cc = j.ID
		}
	}
	if code := e.do(t, "POST", "/api/messages/"+itoa(m.ID)+"/resend?job="+itoa(cc), "", nil, &d); code != http.StatusOK {
		t.Fatalf("resend to one: %d %s", code, d.Error)
	}
	if len(d.Form.To) != 0 || len(d.Form.Cc) != 1 || d.Form.Cc[0].Value != "+3225556677" || len(d.Files) != 2 {
		t.Fatalf("resent to the cc recipient only: %+v", d)
	}
	var ae apiError
	if code := e.doAs(t, bobToken, "POST", "/api/messages/"+itoa(m.ID)+"/resend", "", nil, &ae); code != http.StatusNotFound {
		t.Errorf("bob resending alice's message: %d", code)
	}
	// Sent again from the draft: the cc recipient gets the same pages.
	ids := d.Files[0].ID + "," + d.Files[1].ID
	ct, body = form(t, map[string]string{"cc": "+32 2 555 66 77", "subject": "Deed", "body": "Signed.", "draft_files": ids}, nil)
	var m2 message
	if code := e.do(t, "POST", "/api/messages", ct, body, &m2); code != http.StatusCreated {
		t.Fatalf("send the resend: %d", code)
	}
	if m2.Pages != m.Pages || m2.Pages < 3 {
		t.Fatalf("resent %d pages, first sent %d", m2.Pages, m.Pages)
	}
	// The attachments' pages are the same; the cover page names the
	// message's To and Cc recipients, and the resend has the Cc one only.
	first, again := jobPages(t, e, cc), jobPages(t, e, m2.Jobs[0].ID)
	for i := 1; i < len(first); i++ {
		if !bytes.Equal(first[i], again[i]) {
			t.Errorf("page %d differs between the message and its resend", i+1)
		}
	}
}

// jobPages reads a job's page files.
func jobPages(t *testing.T, e *env, job int64) [][]byte {
	t.Helper()
	ps, err := e.st.Pages(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, p := range ps {
		f, err := os.Open(filepath.Join(e.dir, p.Path))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		f.Close()
		out = append(out, b)
	}
	return out
}

// TestUncheckedNumber: a number of the right length that no numbering
// plan knows is refused, with the number to confirm; confirmed, it is
// priced and sent.
func TestUncheckedNumber(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	var ae struct {
		Error   string `json:"error"`
		Invalid []struct {
			Reason    string `json:"reason"`
			Unchecked string `json:"unchecked"`
		} `json:"invalid"`
		Unchecked string `json:"unchecked"`
	}
	ct, body := form(t, map[string]string{"to": "+32 2 123 45 67", "subject": "S"}, nil)
	if code := e.do(t, "POST", "/api/messages", ct, body, &ae); code != http.StatusBadRequest || len(ae.Invalid) != 1 ||
		ae.Invalid[0].Unchecked != "+3221234567" || !strings.Contains(ae.Invalid[0].Reason, "no such number") {
		t.Fatalf("refused: %d %+v", code, ae)
	}
	if code := e.do(t, "GET", "/api/price?number=%2B32%202%20123%2045%2067", "", nil, &ae); code != http.StatusBadRequest || ae.Unchecked != "+3221234567" {
		t.Errorf("price of an unknown number: %d %+v", code, ae)
	}
	var p struct {
		E164 string `json:"e164"`
	}
	if code := e.do(t, "GET", "/api/price?unchecked=1&number=%2B32%202%20123%2045%2067", "", nil, &p); code != http.StatusOK || p.E164 != "+3221234567" {
		t.Errorf("price confirmed: %d %+v", code, p)
	}
	// A number too short cannot be confirmed.
	ct, body = form(t, map[string]string{"to": "+32 2 12", "subject": "S", "unchecked": "+32212"}, nil)
	if code := e.do(t, "POST", "/api/messages", ct, body, nil); code != http.StatusBadRequest {
		t.Errorf("a too short number confirmed: %d", code)
	}
	var m message
	ct, body = form(t, map[string]string{"to": "+32 2 123 45 67", "subject": "S", "unchecked": "+3221234567"}, nil)
	if code := e.do(t, "POST", "/api/messages", ct, body, &m); code != http.StatusCreated || len(m.Jobs) != 1 || m.Jobs[0].Recipient.Number != "+3221234567" {
		t.Errorf("confirmed: %d %+v", code, m)
	}
}
