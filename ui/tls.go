package ui

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"faxbox/internal/datadir"
)

// CertFile is the generated certificate's file in the data directory
// (PEM), which clients such as faxd submit can trust; keyFile its key's.
const (
	CertFile = "web-cert.pem"
	keyFile  = "web-key.pem"
)

// certLifetime is how long a generated certificate is valid; it is made
// again certRenew before it ends.
const (
	certLifetime = 10 * 365 * 24 * time.Hour
	certRenew    = 30 * 24 * time.Hour
)

// certificate returns the installer's certificate if configured, else the
// generated one in cfg.DataDir, generating it if it is missing, unreadable
// or about to expire.
func certificate(cfg Config) (tls.Certificate, error) {
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		if cfg.TLSCert == "" || cfg.TLSKey == "" {
			return tls.Certificate{}, errors.New("ui: web.tls_cert and web.tls_key go together: set both, or neither for a generated certificate")
		}
		c, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return c, fmt.Errorf("ui: the installer's certificate: %w", err)
		}
		return c, nil
	}
	if cfg.DataDir == "" {
		return tls.Certificate{}, errors.New("ui: no certificate and no data directory to generate one in")
	}
	cp, kp := filepath.Join(cfg.DataDir, CertFile), filepath.Join(cfg.DataDir, keyFile)
	if c, err := tls.LoadX509KeyPair(cp, kp); err == nil && cfg.Now().Add(certRenew).Before(c.Leaf.NotAfter) {
		return c, nil
	}
	certPEM, keyPEM, err := selfSigned(certHosts(cfg.Hosts), cfg.Now())
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := datadir.WriteFile(kp, keyPEM); err != nil {
		return tls.Certificate{}, fmt.Errorf("ui: %w", err)
	}
	if err := datadir.WriteFile(cp, certPEM); err != nil {
		return tls.Certificate{}, fmt.Errorf("ui: %w", err)
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return c, fmt.Errorf("ui: generated certificate: %w", err)
	}
	return c, nil
}

// certHosts are the names and addresses a generated certificate is for:
// localhost, the host name (also as name.local), the machine's addresses
// and extra.
func certHosts(extra []string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
		hosts = append(hosts, h, h+".local")
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLinkLocalUnicast() {
				hosts = append(hosts, n.IP.String())
			}
		}
	}
	hosts = append(hosts, extra...)
	slices.Sort(hosts)
	return slices.Compact(hosts)
}

// selfSigned makes an ECDSA P-256 certificate for hosts, valid from an
// hour before now for certLifetime, and returns it and its key in PEM.
func selfSigned(hosts []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("ui: certificate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("ui: certificate serial: %w", err)
	}
	name, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Faxbox " + name, Organization: []string{"Faxbox (self-signed)"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("ui: certificate: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("ui: certificate key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}
