package mailgw_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"faxbox/firmware/mailgw"
)

// tool returns the path of a Debian command-line mail client the tests
// drive; make test installs it.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install it with apt-get install %s (make test does)", name, pkg)
	}
	return p
}

// TestSwaks sends with swaks, a standard SMTP test client: a PDF and a
// PNG, a UTF-8 body, a Cc and a Bcc recipient and an invalid number.
func TestSwaks(t *testing.T) {
	swaks := tool(t, "swaks", "swaks")
	s := startGateway(t, nil)
	dir := t.TempDir()
	pdfPath, pngPath := filepath.Join(dir, "report.pdf"), filepath.Join(dir, "map.png")
	os.WriteFile(pdfPath, testPDF(t), 0o644)
	os.WriteFile(pngPath, pngImage(t), 0o644)
	host, port, _ := strings.Cut(s.addr, ":")
	cmd := exec.Command(swaks, "--server", host, "--port", port, "--helo", "swaks.test",
		"--from", "alice@office.example",
		"--to", "3225551212@fax,+33123456789@fax,49301234567@fax,322123456@fax",
		"--header", "To: 3225551212@fax", "--header", "Cc: +33123456789@fax",
		"--header", "Subject: swaks test", "--header", "Message-ID: <swaks-1@office.example>",
		"--body", "Bonjour, voilà le plan — 10 €",
		"--attach-type", "application/pdf", "--attach", pdfPath,
		"--attach-type", "image/png", "--attach", pngPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	transcript := out.String()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, transcript)
	}
	for _, want := range []string{
		"<** 550 5.1.1 <322123456@fax>: invalid fax number: too few digits",
		"<-  250 2.0.0 Queued as Faxbox message 1: 3 fax(es) of 4 page(s), about 1.20 EUR",
	} {
		if !strings.Contains(transcript, want) {
			t.Errorf("transcript lacks %q:\n%s", want, transcript)
		}
	}
	subs, pages := s.rec.submissions()
	if len(subs) != 1 {
		t.Fatalf("%d submissions", len(subs))
	}
	sub := subs[0]
	if !slices.Equal(numbersOf(sub.To), []string{numBE}) || !slices.Equal(numbersOf(sub.Cc), []string{numFR}) ||
		!slices.Equal(numbersOf(sub.Bcc), []string{numDE}) {
		t.Errorf("To %v Cc %v Bcc %v", numbersOf(sub.To), numbersOf(sub.Cc), numbersOf(sub.Bcc))
	}
	if sub.Body != "Bonjour, voilà le plan — 10 €" || sub.Subject != "swaks test" {
		t.Errorf("subject %q body %q", sub.Subject, sub.Body)
	}
	var names []string
	for _, a := range sub.Attachments {
		names = append(names, a.Name)
	}
	if !slices.Equal(names, []string{"report.pdf", "map.png"}) || !slices.Equal(pages, []int{4}) {
		t.Errorf("attachments %q, pages %v; want report.pdf and map.png, 4 pages", names, pages)
	}
}

// TestMsmtp sends a mail file with msmtp, the sendmail replacement that
// staff scripts use, authenticating with AUTH PLAIN over loopback.
func TestMsmtp(t *testing.T) {
	msmtp := tool(t, "msmtp", "msmtp")
	s := startGateway(t, func(o *mailgw.Options) { o.RelayHosts = nil })
	host, port, _ := strings.Cut(s.addr, ":")
	mail := mixedMail(t, []string{
		"From: bob@office.example",
		"To: 3225551212@fax",
		"Subject: msmtp",
		"Message-ID: <msmtp-1@office.example>",
	}, "Hello from msmtp: ü\n", file{"pic.png", "image/png", pngImage(t)})
	run := func(password string, rcpts ...string) (string, error) {
		cmd := exec.Command(msmtp, "--host="+host, "--port="+port, "--auth=plain", "--user=bob",
			"--passwordeval=echo "+password, "--tls=off", "--from=bob@office.example", "--domain=msmtp.test")
		cmd.Args = append(cmd.Args, rcpts...)
		cmd.Stdin = strings.NewReader(strings.ReplaceAll(mail, "\r\n", "\n"))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("wrong", "3225551212@fax"); err == nil || !strings.Contains(out, "535 5.7.8 Authentication failed: wrong Faxbox account name or password") {
		t.Errorf("wrong password: %v\n%s", err, out)
	}
	if out, err := run("bob-secret", "3225551212@fax", "+33123456789@fax"); err != nil {
		t.Fatalf("msmtp: %v\n%s", err, out)
	}
	subs, pages := s.rec.submissions()
	if len(subs) != 1 || subs[0].Sender != bob || !slices.Equal(numbersOf(subs[0].To), []string{numBE}) ||
		!slices.Equal(numbersOf(subs[0].Bcc), []string{numFR}) || subs[0].Body != "Hello from msmtp: ü" || !slices.Equal(pages, []int{2}) {
		t.Errorf("submissions %+v pages %v", subs, pages)
	}
}
