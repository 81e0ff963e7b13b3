package mailgw_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/mailgw"
	"faxbox/pages/render"
)

// Numbers used throughout: valid ones and how they are written.
const (
	numBE = "+3225551212"
	numFR = "+33123456789"
	numDE = "+49301234567"
)

// fakeAccounts knows alice (by address and password) and bob (password
// only).
type fakeAccounts struct{}

var (
	alice = mailgw.Account{ID: 1, Name: "alice", Email: "alice@office.example"}
	bob   = mailgw.Account{ID: 2, Name: "bob", Email: "bob@office.example"}
)

func (fakeAccounts) ByAddress(_ context.Context, email string) (mailgw.Account, error) {
	if strings.EqualFold(email, alice.Email) {
		return alice, nil
	}
	return mailgw.Account{}, fmt.Errorf("looking up %q: %w", email, mailgw.ErrUnknownSender)
}

func (fakeAccounts) Login(_ context.Context, name, password string, _ netip.Addr) (mailgw.Account, error) {
	switch {
	case name == "alice" && password == "alice-secret":
		return alice, nil
	case name == "bob" && password == "bob-secret":
		return bob, nil
	}
	return mailgw.Account{}, mailgw.ErrBadCredentials
}

// recorder is a Submitter that renders each submission with the real
// renderer (to count its pages), charges 0.10 EUR a page and recipient
// against a balance, and answers duplicates as the integrator must.
type recorder struct {
	r *render.Renderer

	mu       sync.Mutex
	balance  billing.Amount
	subs     []mailgw.Submission
	pages    []int
	charged  map[int64]billing.Amount // by account id
	receipts map[string]mailgw.Receipt
}

const pricePerPage = billing.Unit / 10

func newRecorder() *recorder {
	return &recorder{r: render.New(render.Options{}), balance: 100 * billing.Unit,
		charged: map[int64]billing.Amount{}, receipts: map[string]mailgw.Receipt{}}
}

func (rec *recorder) Submit(ctx context.Context, s mailgw.Submission) (mailgw.Receipt, error) {
	key := fmt.Sprintf("%d\x00%s", s.Sender.ID, s.MessageID)
	rec.mu.Lock()
	if rc, ok := rec.receipts[key]; ok && s.MessageID != "" {
		rec.mu.Unlock()
		return rc, mailgw.ErrDuplicate
	}
	rec.mu.Unlock()
	doc, err := rec.r.Render(ctx, render.Message{Subject: s.Subject, Body: s.Body}, s.Attachments)
	if err != nil {
		return mailgw.Receipt{}, err
	}
	n := len(s.To) + len(s.Cc) + len(s.Bcc)
	cost := pricePerPage * billing.Amount(doc.NumPages()*n)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if cost > rec.balance {
		return mailgw.Receipt{}, &billing.CreditError{Op: "submit", Currency: billing.EUR,
			Available: rec.balance, Required: cost, Missing: cost - rec.balance}
	}
	rec.balance -= cost
	rec.charged[s.Sender.ID] += cost
	rec.subs = append(rec.subs, s)
	rec.pages = append(rec.pages, doc.NumPages())
	rc := mailgw.Receipt{Message: int64(len(rec.subs)), Pages: doc.NumPages(), Estimate: billing.EUR.Format(cost)}
	rec.receipts[key] = rc
	return rc, nil
}

// submissions returns what was submitted so far.
func (rec *recorder) submissions() ([]mailgw.Submission, []int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]mailgw.Submission(nil), rec.subs...), append([]int(nil), rec.pages...)
}

// chargedTo returns what account id was charged so far.
func (rec *recorder) chargedTo(id int64) billing.Amount {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.charged[id]
}

// setBalance sets the credit left.
func (rec *recorder) setBalance(a billing.Amount) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.balance = a
}

// server is a gateway under test on a loopback port.
type server struct {
	addr string
	rec  *recorder
	log  *bytes.Buffer
}

// startGateway serves a gateway on 127.0.0.1:0 until the test ends.
// edit changes the options first; by default loopback is an allowed
// network.
func startGateway(t *testing.T, edit func(*mailgw.Options)) *server {
	t.Helper()
	return startGatewayWrapped(t, nil, edit)
}

// startGatewayWrapped is startGateway with the listener wrapped by wrap
// (nil: not wrapped).
func startGatewayWrapped(t *testing.T, wrap func(net.Listener) net.Listener, edit func(*mailgw.Options)) *server {
	t.Helper()
	rec := newRecorder()
	var logBuf bytes.Buffer
	o := mailgw.Options{
		Domain:          "fax",
		RelayHosts:      []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		MaxMessageBytes: 2 << 20,
		Accounts:        fakeAccounts{},
		Submitter:       rec,
		Logger:          slog.New(slog.NewTextHandler(&lockedWriter{w: &logBuf}, nil)),
		ReadTimeout:     10 * time.Second,
		WriteTimeout:    10 * time.Second,
	}
	if edit != nil {
		edit(&o)
	}
	g, err := mailgw.New(o)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if wrap != nil {
		l = wrap(l)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &server{addr: addr, rec: rec, log: &logBuf}
}

// lockedWriter serialises writes of concurrent sessions to the log.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// client is a raw SMTP conversation, for looking at reply codes and
// texts that net/smtp hides.
type client struct {
	t *testing.T
	c *textproto.Conn
}

func dialRaw(t *testing.T, addr string) *client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	c := &client{t: t, c: textproto.NewConn(nc)}
	t.Cleanup(func() { c.c.Close() })
	if code, msg := c.read(); code != 220 {
		t.Fatalf("greeting: %d %s", code, msg)
	}
	return c
}

// read reads one reply.
func (c *client) read() (int, string) {
	c.t.Helper()
	code, msg, err := c.c.ReadResponse(0)
	if err != nil {
		c.t.Fatalf("reading a reply: %v", err)
	}
	return code, msg
}

// cmd sends a command and returns the reply.
func (c *client) cmd(format string, args ...any) (int, string) {
	c.t.Helper()
	if err := c.c.PrintfLine(format, args...); err != nil {
		c.t.Fatal(err)
	}
	return c.read()
}

// expect sends a command and fails unless the reply has code want.
func (c *client) expect(want int, format string, args ...any) string {
	c.t.Helper()
	code, msg := c.cmd(format, args...)
	if code != want {
		c.t.Fatalf("%s: got %d %s, want %d", fmt.Sprintf(format, args...), code, msg, want)
	}
	return msg
}

// data sends a mail after DATA and returns the final reply.
func (c *client) data(mail string) (int, string) {
	c.t.Helper()
	c.expect(354, "DATA")
	w := c.c.DotWriter()
	if _, err := io.WriteString(w, mail); err != nil {
		c.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		c.t.Fatal(err)
	}
	return c.read()
}

// pngImage is a small PNG picture.
func pngImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.SetGray(x, x%30, color.Gray{})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testPDF is the two-page PDF of testdata (made from two-pages.ps with
// gs -sDEVICE=pdfwrite).
func testPDF(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/two-pages.pdf")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// numbersOf returns the E.164 forms of ns, for comparing.
func numbersOf[N interface{ String() string }](ns []N) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, n.String())
	}
	return out
}

// b64 is s in base64, as AUTH wants it.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
