package notify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"faxbox/firmware/config"
	"faxbox/firmware/notify"
)

// relay is a real SMTP server on loopback (go-smtp's own server) whose
// backend collects the messages it accepts.
type relay struct {
	addr string
	port int

	mu       sync.Mutex
	received []delivery

	password   string // AUTH PLAIN for user "fax"; "" offers no AUTH
	rejectRcpt error
	rejectData error
}

type delivery struct {
	from, user string
	to         []string
	data       []byte
	tls        bool
}

// startRelay serves on 127.0.0.1; tlsConfig enables STARTTLS, or implicit
// TLS when implicit is set.
func startRelay(t *testing.T, r *relay, tlsConfig *tls.Config, implicit bool) *relay {
	t.Helper()
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, tls := c.TLSConnectionState()
		return &session{r: r, tls: tls}, nil
	}))
	s.Domain = "relay.test"
	s.ErrorLog = log.New(io.Discard, "", 0)
	s.AllowInsecureAuth = tlsConfig == nil
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	var l net.Listener
	var err error
	if implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", tlsConfig)
	} else {
		s.TLSConfig = tlsConfig
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	r.addr = l.Addr().String()
	r.port = l.Addr().(*net.TCPAddr).Port
	return r
}

func (r *relay) messages() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.received...)
}

type session struct {
	r    *relay
	tls  bool
	user string
	cur  delivery
}

func (s *session) AuthMechanisms() []string {
	if s.r.password == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "fax" || password != s.r.password {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.r.password != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.cur = delivery{from: from, user: s.user, tls: s.tls}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.r.rejectRcpt != nil {
		return s.r.rejectRcpt
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.r.rejectData != nil {
		return s.r.rejectData
	}
	s.cur.data = data
	s.r.mu.Lock()
	s.r.received = append(s.r.received, s.cur)
	s.r.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = delivery{} }
func (s *session) Logout() error { return nil }

func passwordFile(t *testing.T, pw string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "smtp.pw")
	if err := os.WriteFile(path, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func composed(t *testing.T) *notify.Message {
	t.Helper()
	m, err := notify.Compose(delivered())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sendErr sends and returns the *notify.Error, failing if there is none.
func sendErr(t *testing.T, s *notify.Sender, m *notify.Message) *notify.Error {
	t.Helper()
	err := s.Send(context.Background(), m)
	var e *notify.Error
	if !errors.As(err, &e) {
		t.Fatalf("Send = %v (%T), want a *notify.Error", err, err)
	}
	t.Logf("error: %v", err)
	return e
}

func TestSendAuth(t *testing.T) {
	r := startRelay(t, &relay{password: "s3cret ünïcode"}, nil, false)
	s := &notify.Sender{Host: "127.0.0.1", Port: r.port, Username: "fax",
		PasswordFile: passwordFile(t, "s3cret ünïcode"), Timeout: 10 * time.Second}
	m := composed(t)
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := r.messages()
	if len(got) != 1 {
		t.Fatalf("relay received %d messages", len(got))
	}
	d := got[0]
	if d.user != "fax" || d.from != "fax@example.com" || len(d.to) != 1 || d.to[0] != "jerome@example.be" {
		t.Errorf("delivery user %q from %q to %q", d.user, d.from, d.to)
	}
	if !bytes.Equal(d.data, m.Data) {
		t.Errorf("relay received %d bytes, sent %d (differ)", len(d.data), len(m.Data))
	}
	// What arrived is still a readable mail with its PDF.
	p := parse(t, &notify.Message{Data: d.data})
	if !bytes.Equal(p.attachments["fax-größe.pdf"], fakePDF) {
		t.Error("PDF not intact after the relay")
	}
}

func TestSendWrongPassword(t *testing.T) {
	r := startRelay(t, &relay{password: "right"}, nil, false)
	s := &notify.Sender{Host: "127.0.0.1", Port: r.port, Username: "fax", PasswordFile: passwordFile(t, "wrong")}
	e := sendErr(t, s, composed(t))
	if e.Kind != notify.Rejected || e.Step != "AUTH" || e.Code != 535 || e.Temporary() {
		t.Errorf("kind %v step %q code %d temporary %v", e.Kind, e.Step, e.Code, e.Temporary())
	}
	if len(r.messages()) != 0 {
		t.Error("message delivered with a wrong password")
	}
}

func TestSendRejected(t *testing.T) {
	for _, c := range []struct {
		rcpt, data error
		step       string
		code       int
		temporary  bool
	}{
		{rcpt: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, step: "RCPT TO", code: 550},
		{data: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}, step: "DATA", code: 451, temporary: true},
	} {
		r := startRelay(t, &relay{rejectRcpt: c.rcpt, rejectData: c.data}, nil, false)
		s := &notify.Sender{Host: "127.0.0.1", Port: r.port}
		e := sendErr(t, s, composed(t))
		if !errors.Is(e, notify.ErrRejected) || errors.Is(e, notify.ErrUnreachable) {
			t.Errorf("errors.Is: rejected %v", errors.Is(e, notify.ErrRejected))
		}
		if e.Step != c.step || e.Code != c.code || e.Temporary() != c.temporary || e.Reply == "" {
			t.Errorf("step %q code %d reply %q temporary %v; want %q %d %v", e.Step, e.Code, e.Reply, e.Temporary(), c.step, c.code, c.temporary)
		}
	}
}

func TestSendUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	s := &notify.Sender{Host: "127.0.0.1", Port: port}
	e := sendErr(t, s, composed(t))
	if !errors.Is(e, notify.ErrUnreachable) || e.Step != "connect" || !e.Temporary() {
		t.Errorf("kind %v step %q temporary %v", e.Kind, e.Step, e.Temporary())
	}
}

// silentRelay accepts connections and never says a word.
func silentRelay(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().(*net.TCPAddr).Port
}

func TestSendSilentRelayTimesOut(t *testing.T) {
	port := silentRelay(t)
	for _, starttls := range []bool{false, true} {
		s := &notify.Sender{Host: "127.0.0.1", Port: port, StartTLS: starttls, Timeout: 300 * time.Millisecond}
		start := time.Now()
		e := sendErr(t, s, composed(t))
		if elapsed := time.Since(start); elapsed > 3*time.Second {
			t.Errorf("Send took %v with a 300 ms timeout", elapsed)
		}
		if !errors.Is(e, notify.ErrUnreachable) || !e.Timeout || !e.Temporary() || !errors.Is(e, context.DeadlineExceeded) {
			t.Errorf("starttls %v: kind %v timeout %v, %v", starttls, e.Kind, e.Timeout, e)
		}
	}

	// The caller's context bounds it too.
	s := &notify.Sender{Host: "127.0.0.1", Port: port, Timeout: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Send(ctx, composed(t))
	if !errors.Is(err, notify.ErrUnreachable) || time.Since(start) > 3*time.Second {
		t.Errorf("with a 200 ms context: %v after %v", err, time.Since(start))
	}
}

// selfSigned returns a server certificate for 127.0.0.1 and a pool
// trusting it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func TestSendTLS(t *testing.T) {
	serverTLS, pool := selfSigned(t)
	for _, implicit := range []bool{false, true} {
		r := startRelay(t, &relay{password: "pw"}, serverTLS, implicit)
		s := &notify.Sender{Host: "127.0.0.1", Port: r.port, Username: "fax", PasswordFile: passwordFile(t, "pw"),
			StartTLS: !implicit, ImplicitTLS: implicit, TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 10 * time.Second}
		if err := s.Send(context.Background(), composed(t)); err != nil {
			t.Fatalf("implicit %v: %v", implicit, err)
		}
		if got := r.messages(); len(got) != 1 || !got[0].tls || got[0].user != "fax" {
			t.Errorf("implicit %v: deliveries %+v", implicit, got)
		}

		// A certificate the appliance does not trust is a set-up problem.
		s.TLSConfig = nil
		if e := sendErr(t, s, composed(t)); e.Kind != notify.Setup || e.Temporary() {
			t.Errorf("implicit %v, untrusted certificate: kind %v step %q", implicit, e.Kind, e.Step)
		}
	}
}

func TestSendSetupProblems(t *testing.T) {
	plain := startRelay(t, &relay{}, nil, false) // no STARTTLS, no AUTH
	for name, s := range map[string]*notify.Sender{
		"no STARTTLS":     {Host: "127.0.0.1", Port: plain.port, StartTLS: true},
		"no AUTH":         {Host: "127.0.0.1", Port: plain.port, Username: "fax", PasswordFile: passwordFile(t, "pw")},
		"no password":     {Host: "127.0.0.1", Port: plain.port, Username: "fax", PasswordFile: filepath.Join(t.TempDir(), "missing")},
		"empty password":  {Host: "127.0.0.1", Port: plain.port, Username: "fax", PasswordFile: passwordFile(t, "")},
		"no password set": {Host: "127.0.0.1", Port: plain.port, Username: "fax"},
	} {
		e := sendErr(t, s, composed(t))
		if !errors.Is(e, notify.ErrSetup) || e.Temporary() {
			t.Errorf("%s: kind %v step %q: %v", name, e.Kind, e.Step, e)
		}
	}
	if len(plain.messages()) != 0 {
		t.Error("a message went through despite a set-up problem")
	}
	if err := (&notify.Sender{}).Send(context.Background(), composed(t)); !errors.Is(err, notify.ErrNoRelay) {
		t.Errorf("no relay: %v", err)
	}
}

func TestNewSender(t *testing.T) {
	s := notify.NewSender(config.SMTP{Host: "mail.example.com", Port: 587, Username: "fax", PasswordFile: "/pw", From: "fax@example.com", StartTLS: true})
	if !s.Enabled() || !s.StartTLS || s.ImplicitTLS || s.Host != "mail.example.com" || s.Port != 587 || s.Username != "fax" || s.PasswordFile != "/pw" {
		t.Errorf("587: %+v", s)
	}
	s = notify.NewSender(config.SMTP{Host: "mail.example.com", Port: 465, StartTLS: true})
	if s.StartTLS || !s.ImplicitTLS {
		t.Errorf("465: %+v", s)
	}
	if notify.NewSender(config.SMTP{Port: 587}).Enabled() {
		t.Error("enabled without a host")
	}
}
