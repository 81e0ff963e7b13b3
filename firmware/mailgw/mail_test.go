package mailgw_test

import (
	"bytes"
	"encoding/base64"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
	"testing"
)

// file is an attachment of a test mail.
type file struct {
	name, contentType string
	data              []byte
}

// mixedMail writes a multipart/mixed mail with the standard library's
// MIME writer: headers (each "Key: value", CRLF added), a UTF-8 text part
// in quoted-printable, then files in base64.
func mixedMail(t *testing.T, headers []string, text string, files ...file) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	th := textproto.MIMEHeader{}
	th.Set("Content-Type", "text/plain; charset=utf-8")
	th.Set("Content-Transfer-Encoding", "quoted-printable")
	pw, err := mw.CreatePart(th)
	if err != nil {
		t.Fatal(err)
	}
	qp := quotedprintable.NewWriter(pw)
	qp.Write([]byte(text))
	qp.Close()
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", f.contentType)
		h.Set("Content-Disposition", `attachment; filename="`+f.name+`"`)
		h.Set("Content-Transfer-Encoding", "base64")
		pw, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write([]byte(wrap76(base64.StdEncoding.EncodeToString(f.data))))
	}
	mw.Close()
	head := strings.Join(headers, "\r\n") + "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=" + mw.Boundary() + "\r\n\r\n"
	return head + body.String()
}

// wrap76 breaks base64 text into lines of 76 characters.
func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.String()
}

// simpleMail is a single-part mail.
func simpleMail(headers []string, contentType, body string) string {
	return strings.Join(headers, "\r\n") + "\r\nMIME-Version: 1.0\r\nContent-Type: " + contentType + "\r\n\r\n" + body
}
