package mailgw

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// BenchmarkReadMessage takes apart a mail with a text body and a 5 MiB
// base64 attachment, the typical large scan.
func BenchmarkReadMessage(b *testing.B) {
	data := bytes.Repeat([]byte("%PDF-1.7 scan data \x00\x01\x02\xff"), 5<<20/24)
	enc := base64.StdEncoding.EncodeToString(data)
	var lines strings.Builder
	for len(enc) > 76 {
		lines.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	lines.WriteString(enc + "\r\n")
	mail := "Subject: scan\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find the scan attached.\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=scan.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		lines.String() + "--b--\r\n"
	b.SetBytes(int64(len(mail)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := readMessage(strings.NewReader(mail), Limits{})
		if err != nil || len(c.Attachments) != 1 || len(c.Attachments[0].Data) != len(data) {
			b.Fatalf("%v %+v", err, c)
		}
	}
}
