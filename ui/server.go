package ui

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/setupcode"
	"faxbox/firmware/users"
)

// Config configures a Server.
type Config struct {
	// Users keeps the accounts and sessions. Required.
	Users *users.Store
	// Auth authenticates requests to the administration endpoints; it
	// should be the JSON API's, a SessionAuth. Required.
	Auth api.Authenticator
	// API is the JSON API, served for every /api/ path that is not one of
	// the administration endpoints. Required.
	API http.Handler
	// Listen are the HTTPS addresses, host:port (":443").
	Listen []string
	// RedirectHTTP is a plain-HTTP address that redirects to HTTPS; ""
	// turns it off.
	RedirectHTTP string
	// TLSCert and TLSKey are the installer's PEM certificate (with its
	// chain) and key files; if both are "", a self-signed certificate is
	// generated in DataDir.
	TLSCert, TLSKey string
	// DataDir is where the generated certificate is kept, and the setup
	// code while no administrator exists.
	DataDir string
	// Hosts are extra names or addresses for the generated certificate,
	// beside localhost, the host name and the machine's addresses.
	Hosts []string
	// MaxUpload bounds request bodies to the JSON API (a message with its
	// attachments); default 65 MiB. The API has its own, smaller, limit.
	MaxUpload int64
	// MaxRestore bounds the backup uploaded to POST /api/admin/restore,
	// which holds every fax the appliance keeps; default 16 GiB (the API
	// checks it as it reads, and the disk is the real limit).
	MaxRestore int64
	// MaxBody bounds the other request bodies (sign-in, administration);
	// default 64 KiB.
	MaxBody int64
	// ShutdownGrace is how long Serve lets requests finish once its
	// context ends; default 10 s.
	ShutdownGrace time.Duration
	// Now is the clock that certificates are made and checked with;
	// default time.Now.
	Now func() time.Time
	// Logger receives server errors and the administration's failures.
	// Default: discard.
	Logger *slog.Logger
}

// Server is the web server. Handler serves requests; Listen and Serve run
// it on the configured addresses.
type Server struct {
	cfg     Config
	log     *slog.Logger
	cert    tls.Certificate
	pages   map[string]page
	handler http.Handler
	// setupCode is the first-run setup's code; nil once an administrator
	// existed at start.
	setupCode *setupcode.Code

	mu       sync.Mutex
	https    []net.Listener
	redirect net.Listener
}

// New checks cfg, loads or generates the certificate and prepares the
// handler. It opens no socket.
func New(cfg Config) (*Server, error) {
	if cfg.Users == nil || cfg.Auth == nil || cfg.API == nil {
		return nil, errors.New("ui: the users, an authenticator and the API handler are required")
	}
	if cfg.MaxRestore <= 0 {
		cfg.MaxRestore = 16 << 30
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 65 << 20
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 64 << 10
	}
	if cfg.ShutdownGrace <= 0 {
		cfg.ShutdownGrace = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.cert, err = certificate(cfg); err != nil {
		return nil, err
	}
	if s.pages, err = loadPages(); err != nil {
		return nil, err
	}
	if s.setupCode, err = makeSetupCode(cfg); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// makeSetupCode makes the first-run setup's code while no administrator
// exists, kept in cfg.DataDir; otherwise it removes one left there.
func makeSetupCode(cfg Config) (*setupcode.Code, error) {
	need, err := cfg.Users.SetupNeeded(context.Background())
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	if !need {
		if cfg.DataDir == "" {
			return nil, nil
		}
		return nil, setupcode.Remove(cfg.DataDir)
	}
	return setupcode.New(cfg.DataDir, cfg.Now)
}

// SetupCode returns the code that the first-run setup asks for, "" when
// there is none (an administrator exists). The daemon shows it to the
// installer: on its standard output and on the installer console.
func (s *Server) SetupCode() string { return s.setupCode.String() }

// Handler returns the server's handler, for tests and for serving it
// elsewhere. It expects TLS: its cookies are Secure.
func (s *Server) Handler() http.Handler { return s.handler }

// Certificate returns the server's certificate (the generated one, or the
// installer's leaf).
func (s *Server) Certificate() *x509.Certificate { return s.cert.Leaf }

// TLSConfig returns a server TLS configuration with the web UI's
// certificate, for the appliance's other TLS services (fax by e-mail's
// STARTTLS).
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{s.cert}, MinVersion: tls.VersionTLS12, CipherSuites: aeadSuites}
}

// aeadSuites are the TLS 1.2 cipher suites offered: ECDHE key exchange
// (forward secrecy) with an AEAD cipher (RFC 5288, RFC 7905); none with
// CBC and SHA-1 (RFC 7525 section 4.2). TLS 1.3's suites are not
// configurable and all AEAD.
var aeadSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// routes builds the handler: the checks that every request passes, then
// the routes.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth/state", s.state)
	mux.HandleFunc("POST /auth/setup", s.setup)
	mux.HandleFunc("POST /auth/login", s.login)
	mux.HandleFunc("POST /auth/logout", s.logout)
	mux.HandleFunc("GET /auth/me", s.me)
	mux.HandleFunc("GET /api/users", s.admin(s.listUsers))
	mux.HandleFunc("POST /api/users", s.admin(s.createUser))
	mux.HandleFunc("GET /api/users/{id}", s.admin(s.getUser))
	mux.HandleFunc("PATCH /api/users/{id}", s.admin(s.updateUser))
	mux.HandleFunc("POST /api/users/{id}/password", s.admin(s.setPassword))
	mux.HandleFunc("GET /api/audit", s.admin(s.audit))
	mux.HandleFunc("POST /api/me/password", s.changePassword)
	mux.HandleFunc("PATCH /api/me", s.updateMe) // me.go
	mux.Handle("/api/", s.cfg.API)
	mux.Handle("GET /metrics", s.cfg.API) // Prometheus scrapes it with the API token
	mux.HandleFunc("/", s.static)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "cross-origin request refused")
	}))
	return s.checks(cop.Handler(s.guard(mux)))
}

// checks sets the security headers, refuses path tricks and bounds the
// request body.
func (s *Server) checks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header())
		if s.cfg.TLSCert != "" {
			// The installer's certificate: browsers may hold to HTTPS
			// (RFC 6797). Not with the generated one, which the user must
			// be able to accept; not for subdomains, which are the office's.
			w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !cleanPath(r) {
			writeError(w, http.StatusBadRequest, "bad path")
			return
		}
		limit := s.cfg.MaxBody
		if strings.HasPrefix(r.URL.Path, "/api/") && !s.ownAPIPath(r.URL.Path) {
			limit = s.cfg.MaxUpload
		}
		if r.URL.Path == restorePath {
			limit = s.cfg.MaxRestore
		}
		if r.ContentLength > limit {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request is larger than %d bytes", limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// restorePath is the API's endpoint that takes a whole backup.
const restorePath = "/api/admin/restore"

// ownAPIPath reports whether path is one of the administration endpoints
// served here rather than by the API.
func (s *Server) ownAPIPath(path string) bool {
	return path == "/api/users" || strings.HasPrefix(path, "/api/users/") || path == "/api/audit" || strings.HasPrefix(path, "/api/me/")
}

// guard checks the session of browser requests (those with the session
// cookie and without an Authorization header): a state-changing request
// needs the session's CSRF token, and while the user must change the
// password, the API (and /metrics, which it serves) allows only that.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := r.Cookie(users.CookieName)
		api := strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/metrics"
		if err != nil || r.Header.Get("Authorization") != "" || (users.Safe(r.Method) && !api) {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := s.cfg.Users.SessionFromRequest(r)
		switch {
		case errors.Is(err, users.ErrNoSession):
			// Not signed in: the handler says 401, or signs in.
		case err != nil:
			s.fail(w, r, err)
			return
		case api && sess.User.MustChange && r.URL.Path != "/api/me/password":
			writeError(w, http.StatusForbidden, "the password must be changed first (POST /api/me/password)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Listen opens the HTTPS and redirect listeners.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cfg.Listen) == 0 {
		return errors.New("ui: no HTTPS address to listen on")
	}
	var lns []net.Listener
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	for _, a := range s.cfg.Listen {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			closeAll()
			return fmt.Errorf("ui: listen %s: %w", a, err)
		}
		lns = append(lns, ln)
	}
	if s.cfg.RedirectHTTP != "" {
		ln, err := net.Listen("tcp", s.cfg.RedirectHTTP)
		if err != nil {
			closeAll()
			return fmt.Errorf("ui: listen %s (redirect to HTTPS): %w", s.cfg.RedirectHTTP, err)
		}
		s.redirect = ln
	}
	s.https = lns
	return nil
}

// Addrs returns the addresses that the HTTPS server listens on, once
// Listen has opened them.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []net.Addr
	for _, ln := range s.https {
		out = append(out, ln.Addr())
	}
	return out
}

// RedirectAddr returns the address of the plain-HTTP redirect, nil if
// there is none.
func (s *Server) RedirectAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.redirect == nil {
		return nil
	}
	return s.redirect.Addr()
}

// Serve serves on the listeners that Listen opened until ctx ends, then
// shuts down, letting requests finish for ShutdownGrace. It returns nil
// after ctx ends, or the error that stopped a server.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	https, redirect := s.https, s.redirect
	s.mu.Unlock()
	if len(https) == 0 {
		return errors.New("ui: Serve before Listen")
	}
	errLog := slog.NewLogLogger(tlsNoise{s.log.Handler()}, slog.LevelWarn)
	main := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10, ErrorLog: errLog, TLSConfig: s.TLSConfig()}
	servers := []*http.Server{main}
	errc := make(chan error, len(https)+1)
	for _, ln := range https {
		go func() { errc <- main.ServeTLS(ln, "", "") }()
	}
	if redirect != nil {
		_, port, _ := net.SplitHostPort(https[0].Addr().String())
		rs := &http.Server{Handler: redirectHandler(port), ReadHeaderTimeout: 10 * time.Second, ErrorLog: errLog}
		servers = append(servers, rs)
		go func() { errc <- rs.Serve(redirect) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		err = fmt.Errorf("ui: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	for _, srv := range servers {
		if serr := srv.Shutdown(sctx); serr != nil && err == nil && !errors.Is(serr, context.DeadlineExceeded) {
			err = fmt.Errorf("ui: shutdown: %w", serr)
		}
	}
	return err
}

// redirectHandler answers every request with 301 to the same path over
// HTTPS on port.
func redirectHandler(port string) http.Handler {
	suffix := ":" + port
	if port == "443" {
		suffix = ""
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		if host == "" || strings.Trim(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") != "" {
			http.Error(w, "bad Host header", http.StatusBadRequest)
			return
		}
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		setSecurityHeaders(w.Header())
		http.Redirect(w, r, "https://"+host+suffix+r.URL.RequestURI(), http.StatusMovedPermanently)
	})
}

// tlsNoise logs the handshake errors of browsers that do not (yet) trust
// the self-signed certificate at debug level, other server errors as they
// come.
type tlsNoise struct{ slog.Handler }

// Handle implements slog.Handler.
func (t tlsNoise) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "TLS handshake error") {
		r = slog.NewRecord(r.Time, slog.LevelDebug, r.Message, r.PC)
		if !t.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
	}
	return t.Handler.Handle(ctx, r)
}
