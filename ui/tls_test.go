package ui

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestGeneratedCertificate(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	cfg := Config{DataDir: dir, Hosts: []string{"faxbox.office.lan", "192.0.2.7"}, Now: func() time.Time { return now }}
	c1, err := certificate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	leaf := c1.Leaf
	for _, h := range []string{"localhost", "faxbox.office.lan", "127.0.0.1", "::1", "192.0.2.7"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("certificate not for %s: %v", h, err)
		}
	}
	if name, err := os.Hostname(); err == nil && !slices.Contains(leaf.DNSNames, name) {
		t.Errorf("certificate names %v lack the host name %q", leaf.DNSNames, name)
	}
	if leaf.NotAfter.Sub(now) < 9*365*24*time.Hour || leaf.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("certificate valid until %v, key %v; want ECDSA for years", leaf.NotAfter, leaf.PublicKeyAlgorithm)
	}
	if fi, err := os.Stat(filepath.Join(dir, keyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v; want mode 0600", fi, err)
	}

	// The next start keeps it; near its end it is made again.
	c2, err := certificate(cfg)
	if err != nil || c2.Leaf.SerialNumber.Cmp(leaf.SerialNumber) != 0 {
		t.Errorf("second start: %v; the certificate changed", err)
	}
	now = leaf.NotAfter.Add(-24 * time.Hour)
	c3, err := certificate(cfg)
	if err != nil || c3.Leaf.SerialNumber.Cmp(leaf.SerialNumber) == 0 || !c3.Leaf.NotAfter.After(leaf.NotAfter) {
		t.Errorf("expiring certificate: %v; not renewed", err)
	}
	// A damaged file is replaced.
	os.WriteFile(filepath.Join(dir, CertFile), []byte("garbage"), 0o644)
	if c4, err := certificate(cfg); err != nil || c4.Leaf == nil {
		t.Errorf("damaged certificate file: %v", err)
	}

	// The installer's files take precedence, and must be right.
	inst := t.TempDir()
	cp, kp := filepath.Join(inst, "cert.pem"), filepath.Join(inst, "key.pem")
	certPEM, keyPEM, err := selfSigned([]string{"fax.example.com"}, now)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(cp, certPEM, 0o644)
	os.WriteFile(kp, keyPEM, 0o600)
	c5, err := certificate(Config{TLSCert: cp, TLSKey: kp, DataDir: dir, Now: cfg.Now})
	if err != nil || c5.Leaf.VerifyHostname("fax.example.com") != nil {
		t.Errorf("installer's certificate: %v", err)
	}
	for _, bad := range []Config{{TLSCert: cp, DataDir: dir}, {TLSCert: kp, TLSKey: cp}, {TLSCert: cp, TLSKey: filepath.Join(inst, "none")}, {}} {
		bad.Now = cfg.Now
		if _, err := certificate(bad); err == nil {
			t.Errorf("certificate(%+v) accepted", bad)
		}
	}
}

func TestRedirect(t *testing.T) {
	for _, tc := range []struct {
		port, host, target string
		code               int
		location           string
	}{
		{"8443", "faxbox.lan:8080", "/outbox?x=1", 301, "https://faxbox.lan:8443/outbox?x=1"},
		{"443", "faxbox.lan", "/", 301, "https://faxbox.lan/"},
		{"443", "192.168.1.20:80", "/a%20b", 301, "https://192.168.1.20/a%20b"},
		{"443", "[fe80::1]:80", "/", 301, "https://[fe80::1]/"},
		{"443", "evil.example/x", "/", 400, ""},
		{"443", "a b", "/", 400, ""},
	} {
		r := httptest.NewRequest("GET", "http://placeholder"+tc.target, nil)
		r.Host = tc.host
		w := httptest.NewRecorder()
		redirectHandler(tc.port).ServeHTTP(w, r)
		if w.Code != tc.code || w.Header().Get("Location") != tc.location {
			t.Errorf("Host %q %s on port %s: %d %q, want %d %q", tc.host, tc.target, tc.port, w.Code, w.Header().Get("Location"), tc.code, tc.location)
		}
	}
}

// TestListenServe runs the server on loopback: HTTPS with the generated
// certificate, the redirect, and a clean stop.
func TestListenServe(t *testing.T) {
	s := &Server{cfg: Config{Listen: []string{"127.0.0.1:0"}, RedirectHTTP: "127.0.0.1:0", ShutdownGrace: time.Second,
		DataDir: t.TempDir(), Now: time.Now}}
	var err error
	if s.cert, err = certificate(s.cfg); err != nil {
		t.Fatal(err)
	}
	s.log = slog.New(slog.DiscardHandler)
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello " + r.URL.Path)) })
	if err := s.Serve(t.Context()); err == nil {
		t.Error("Serve before Listen did not fail")
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()

	pool := x509.NewCertPool()
	pool.AddCert(s.Certificate())
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, port, _ := net.SplitHostPort(s.Addrs()[0].String())
	resp, err := client.Get("https://localhost:" + port + "/x")
	if err != nil {
		t.Fatalf("HTTPS with the generated certificate: %v", err)
	}
	body := readAll(resp)
	if resp.StatusCode != 200 || body != "hello /x" {
		t.Errorf("HTTPS: %d %q", resp.StatusCode, body)
	}
	resp, err = client.Get("http://" + s.RedirectAddr().String() + "/y?z=1")
	if err != nil {
		t.Fatal(err)
	}
	readAll(resp)
	if want := "https://127.0.0.1:" + port + "/y?z=1"; resp.StatusCode != 301 || resp.Header.Get("Location") != want {
		t.Errorf("redirect: %d %q, want 301 %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop")
	}
	if _, err := client.Get("https://localhost:" + port + "/x"); err == nil {
		t.Error("still serving after the stop")
	}
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
