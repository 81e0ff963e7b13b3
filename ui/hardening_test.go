package ui_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/ui"
)

// serveUI runs a ui server on a loopback port with its own listener and
// TLS configuration, as faxd serve does, until the test ends; edit
// changes its configuration.
func serveUI(t *testing.T, edit func(*ui.Config)) (*ui.Server, string) {
	t.Helper()
	dir := t.TempDir()
	_, us := openAccounts(t, dir, nil)
	cfg := ui.Config{Users: us, Auth: &ui.SessionAuth{Users: us}, API: http.NotFoundHandler(), DataDir: dir,
		Listen: []string{"127.0.0.1:0"}, ShutdownGrace: time.Second}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := ui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv, srv.Addrs()[0].String()
}

// installerCert writes an RSA certificate and key for 127.0.0.1, as an
// installer would set in web.tls_cert and web.tls_key.
func installerCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "faxbox.office.example"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	return certFile, keyFile
}

// TestTLSSuites: over the server's own listener, TLS 1.2 is only ECDHE
// with an AEAD cipher, with the generated (ECDSA) certificate and with an
// installer's RSA one; CBC suites with SHA-1 or SHA-256 and RSA key
// exchange fail the handshake; TLS 1.3 works. HSTS comes with the
// installer's certificate only.
func TestTLSSuites(t *testing.T) {
	cert, key := installerCert(t)
	for _, tc := range []struct {
		name string
		edit func(*ui.Config)
		rsa  bool // the certificate's key; else ECDSA
		hsts bool
	}{
		{"generated certificate", nil, false, false},
		{"installer's certificate", func(c *ui.Config) { c.TLSCert, c.TLSKey = cert, key }, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := serveUI(t, tc.edit)
			handshake := func(version uint16, suites ...uint16) (*tls.ConnectionState, error) {
				c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MinVersion: version, MaxVersion: version, CipherSuites: suites})
				if err != nil {
					return nil, err
				}
				defer c.Close()
				st := c.ConnectionState()
				return &st, nil
			}
			for _, suite := range []uint16{
				tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
				tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
				tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA,
				tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
				tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
			} {
				if st, err := handshake(tls.VersionTLS12, suite); err == nil {
					t.Errorf("TLS 1.2 with only %s: handshake succeeded (%s), want it refused", tls.CipherSuiteName(suite), tls.CipherSuiteName(st.CipherSuite))
				}
			}
			for _, suite := range []uint16{
				tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
				tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
				tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
			} {
				// Each certificate serves the suites of its key's type.
				if strings.HasPrefix(tls.CipherSuiteName(suite), "TLS_ECDHE_RSA_") != tc.rsa {
					continue
				}
				st, err := handshake(tls.VersionTLS12, suite)
				if err != nil || st.CipherSuite != suite {
					t.Errorf("TLS 1.2 with %s: %v", tls.CipherSuiteName(suite), err)
				}
			}
			if st, err := handshake(tls.VersionTLS13); err != nil || st.Version != tls.VersionTLS13 {
				t.Errorf("TLS 1.3: %v", err)
			}
			if _, err := handshake(tls.VersionTLS11); err == nil {
				t.Error("TLS 1.1: handshake succeeded")
			}

			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
			resp, err := client.Get("https://" + addr + "/auth/state")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Strict-Transport-Security"); (got != "") != tc.hsts || (tc.hsts && got != "max-age=31536000") {
				t.Errorf("Strict-Transport-Security %q with the %s", got, tc.name)
			}
		})
	}
}
