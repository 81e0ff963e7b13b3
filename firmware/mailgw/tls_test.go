package mailgw_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/smtp"
	"testing"
	"time"

	"faxbox/firmware/mailgw"
)

// selfSigned makes a TLS certificate for the gateway.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "faxbox"},
		DNSNames: []string{"faxbox"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// TestSTARTTLSAuth checks a LAN client outside the allowed networks: AUTH
// is offered once the connection is encrypted, and the mail is billed to
// the account that signed in.
func TestSTARTTLSAuth(t *testing.T) {
	s := startGatewayAs(t, "203.0.113.7", func(o *mailgw.Options) { o.TLSConfig = selfSigned(t) })
	c, err := smtp.Dial(s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("AUTH offered before STARTTLS")
	}
	if err := c.StartTLS(&tls.Config{ServerName: "faxbox", InsecureSkipVerify: true}); err != nil {
		t.Fatal(err)
	}
	if ok, mechs := c.Extension("AUTH"); !ok || mechs != "PLAIN LOGIN" {
		t.Errorf("AUTH after STARTTLS: %v %q", ok, mechs)
	}
	if err := c.Auth(smtp.PlainAuth("", "alice", "alice-secret", "127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("alice@office.example"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("3225551212@fax"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Subject: over TLS\r\n\r\nsecret plans\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if subs, _ := s.rec.submissions(); len(subs) != 1 || subs[0].Sender != alice || subs[0].Body != "secret plans" {
		t.Errorf("submissions %+v", subs)
	}
}
