package mailgw

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHTMLToText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<p>One</p><p>Two</p>", "One\n\nTwo"},
		{"a<br>b<BR/>c", "a\nb\nc"},
		{"  lots   of\n\t space  ", "lots of space"},
		{"<b>bold</b> and <i>italic</i>", "bold and italic"},
		{"<SCRIPT type='x'>if (a<b) alert('<p>')</script >after", "after"},
		{"<style>p{}</style><!-- <p>comment</p> -->text", "text"},
		{"<!DOCTYPE html><?xml x?>ok", "ok"},
		{"<pre>  keep\n    this</pre>", "keep\n    this"},
		{"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
		{"<ol><li>one<li>two</ol>", "• one\n• two"},
		{"5 &lt; 6 &amp;&amp; &quot;x&quot; &#8364; &euro; &bogus;", `5 < 6 && "x" € € &bogus;`},
		{"a < b and c>d", "a < b and c>d"},
		{`<a href="x>y">link</a>`, "link"},
		{"<p>unterminated <b", "unterminated"},
		{"<script>never closed", ""},
		{"", ""},
	} {
		if got := htmlToText(tc.in); got != tc.want {
			t.Errorf("htmlToText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSanitiseName(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{`..\..\boot.ini`, "boot.ini"},
		{"a\x00b\x07c.txt", "abc.txt"},
		{"x\u202Etxt.exe", "xtxt.exe"},
		{"..", "attachment-3"},
		{" . ", "attachment-3"},
		{"", "attachment-3"},
		{"\xff\xfe.png", "png"},
		{strings.Repeat("é", 100) + ".pdf", strings.Repeat("é", 58) + ".pdf"},
	} {
		got := sanitiseName(tc.in, 2)
		if got != tc.want || !utf8.ValidString(got) || len(got) > maxNameBytes {
			t.Errorf("sanitiseName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestReadMessage(t *testing.T) {
	t.Run("related images are decoration, attachments are not", func(t *testing.T) {
		c, err := readMessage(strings.NewReader("Subject: sig\r\nContent-Type: multipart/related; boundary=r\r\n\r\n"+
			"--r\r\nContent-Type: text/html\r\n\r\n<p>Hi</p><img src=\"cid:logo\">\r\n"+
			"--r\r\nContent-Type: image/png\r\nContent-ID: <logo>\r\n\r\nPNG\r\n"+
			"--r\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=plan.png\r\n\r\nPNG\r\n--r--\r\n"), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Body != "Hi" || len(c.Attachments) != 1 || c.Attachments[0].Name != "plan.png" {
			t.Errorf("body %q attachments %+v", c.Body, c.Attachments)
		}
	})
	t.Run("alternative: attachments of the version not chosen are dropped", func(t *testing.T) {
		c, err := readMessage(strings.NewReader("Content-Type: multipart/alternative; boundary=a\r\n\r\n"+
			"--a\r\nContent-Type: multipart/related; boundary=r\r\n\r\n--r\r\nContent-Type: text/html\r\n\r\n<p>rich</p>\r\n"+
			"--r\r\nContent-Type: image/gif\r\nContent-Disposition: attachment; filename=x.gif\r\n\r\nGIF89a\r\n--r--\r\n"+
			"--a\r\nContent-Type: text/plain\r\n\r\nplain\r\n--a--\r\n"), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Body != "plain" || len(c.Attachments) != 0 {
			t.Errorf("body %q attachments %+v", c.Body, c.Attachments)
		}
	})
	t.Run("HTML attachment becomes text; unknown charset kept", func(t *testing.T) {
		c, err := readMessage(strings.NewReader("Content-Type: multipart/mixed; boundary=m\r\n\r\n"+
			"--m\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\nbody \x01text\r\n"+
			"--m\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=page.html\r\n\r\n<h1>Title</h1><p>para</p>\r\n--m--\r\n"), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Body != "body text" || len(c.Attachments) != 1 || string(c.Attachments[0].Data) != "Title\n\npara" ||
			c.Attachments[0].ContentType != "text/plain; charset=utf-8" {
			t.Errorf("body %q attachments %+v", c.Body, c.Attachments)
		}
	})
	t.Run("limits", func(t *testing.T) {
		_, err := readMessage(strings.NewReader("Content-Type: multipart/mixed; boundary=m\r\n\r\n"+
			"--m\r\nContent-Type: multipart/mixed; boundary=n\r\n\r\n--n\r\n\r\nx\r\n--n--\r\n--m--\r\n"), Limits{MaxDepth: 1})
		if !errors.Is(err, ErrTooDeep) {
			t.Errorf("depth: %v", err)
		}
		_, err = readMessage(strings.NewReader("Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n\r\na\r\n--m\r\n\r\nb\r\n--m--\r\n"), Limits{MaxParts: 2})
		if !errors.Is(err, ErrTooManyParts) {
			t.Errorf("parts: %v", err)
		}
	})
}

func TestLoginServer(t *testing.T) {
	var got [2]string
	l := &loginServer{check: func(n, p string) error { got = [2]string{n, p}; return nil }}
	for i, step := range []struct {
		resp, challenge string
		done            bool
	}{{"", "Username:", false}, {"alice", "Password:", false}, {"secret", "", true}} {
		ch, done, err := l.Next([]byte(step.resp))
		if err != nil || string(ch) != step.challenge || done != step.done {
			t.Fatalf("step %d: %q %v %v", i, ch, done, err)
		}
	}
	if got != [2]string{"alice", "secret"} {
		t.Errorf("checked %q", got)
	}
}

// FuzzReadMessage feeds arbitrary mails to the MIME conversion: it must
// not panic, must return either content or a *ContentError, and what it
// returns must be safe to hand on: valid UTF-8, sanitised names.
func FuzzReadMessage(f *testing.F) {
	for _, seed := range []string{
		"Subject: hi\r\n\r\nbody\r\n",
		"Subject: =?UTF-8?B?w5xiZXI=?=\r\nContent-Type: text/html\r\n\r\n<p>x&amp;y</p>",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nt\r\n--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"../a.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n",
		"Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/html\r\n\r\n<b>x</b>\r\n--a\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E9t=E9\r\n--a--\r\n",
		"Content-Type: multipart/mixed; boundary=1\r\n\r\n--1\r\nContent-Type: multipart/mixed; boundary=2\r\n\r\n--2\r\nContent-Type: message/rfc822\r\n\r\nx\r\n--2--\r\n--1--\r\n",
		"no header at all",
		"Content-Type: multipart/mixed\r\n\r\n",
		"Content-Transfer-Encoding: base64\r\n\r\n!!!notbase64",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := readMessage(strings.NewReader(string(data)), Limits{})
		if err != nil {
			var ce *ContentError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *ContentError", err, err)
			}
			if r, ok := submitReply(err); !ok || r.Code/100 != 5 {
				t.Fatalf("content error %v answered %v", err, r)
			}
			return
		}
		if !utf8.ValidString(c.Body) || !utf8.ValidString(c.Subject) || strings.ContainsAny(c.Subject, "\r\n") {
			t.Fatalf("unsafe text: subject %q body %q", c.Subject, c.Body)
		}
		for _, a := range c.Attachments {
			if a.Name == "" || strings.ContainsAny(a.Name, "/\\\x00") || len(a.Name) > maxNameBytes || !utf8.ValidString(a.Name) {
				t.Fatalf("unsafe name %q", a.Name)
			}
		}
	})
}

// FuzzHTMLToText checks that the converter never panics, keeps valid
// UTF-8 valid and leaves no tag of the input whole.
func FuzzHTMLToText(f *testing.F) {
	for _, seed := range []string{"<p>a</p>", "<script>x</script>y", "<!-- x", "a<b", "<pre>\n x</pre>", "&amp;&#0;&#x110000;"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := htmlToText(in)
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("htmlToText(%q) = %q: invalid UTF-8", in, out)
		}
		if !strings.Contains(in, "&") && strings.Contains(in, "<p>") && strings.Contains(out, "<p>") {
			t.Fatalf("htmlToText(%q) = %q: a tag survived", in, out)
		}
	})
}
