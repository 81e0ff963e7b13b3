// Package api is Faxbox's JSON HTTP API: the interface that the web UI
// and scripts use to submit messages, follow and act on their jobs, and
// look at the prepaid account.
//
// Endpoints (all under /api; every request is authenticated by the
// configured Authenticator: TokenAuth for "Authorization: Bearer TOKEN",
// the web UI's sessions for browsers):
//
//	POST /api/messages            multipart form: to, cc, bcc, subject, body, files; draft_files
//	                              (ids of the draft's files to attach), no_cover=1, unchecked (numbers
//	                              to send to although no such number is known to exist)
//	GET  /api/messages            ?before=ID&limit=N, newest first
//	GET  /api/messages/{id}       a message with its recipients, jobs and attempts
//	POST /api/jobs/{id}/cancel    cancel a job (hangs up a call in progress)
//	POST /api/jobs/{id}/retry     make a job due now, or give a failed job one more attempt
//	GET  /api/jobs/{id}/report.pdf the job's transmission report (report.go)
//	GET  /api/account             balance, available, holds, spend this month
//	POST /api/vouchers/redeem     {"code": "..."} (JSON or form)
//	GET  /api/price?number=N      the tariff and the estimate for a number (&pages=N)
//	GET  /api/attempts/{id}/trace a call's trace (T.30 frames and events, the modem's wire log), text/plain
//	GET  /api/events?since=SEQ    websocket: the event log after SEQ the principal may see, then live
//	                              events, "modem" and "account" frames (seq 0); see events.go
//	GET  /api/modems              the modems' states
//	GET  /api/contacts?q=TEXT     the shared address book, searched by name, company or number
//	POST /api/contacts            add a contact (JSON); GET, PUT, DELETE /api/contacts/{id}
//	GET  /api/contacts/export     ?format=csv|vcard
//	POST /api/contacts/import     multipart field "file", CSV or vCard: {"imported", "added", "updated",
//	                              "skipped", "rows", "errors"}; ?preview=1 stores nothing (contacts.go)
//	POST /api/previews            as POST /api/messages, but stores only preview images (30 min);
//	                              Config.PreviewsPerMinute a user, then 429 with Retry-After
//	GET  /api/previews/{token}/{n}.png            a preview page, to the user who asked only
//	GET  /api/messages/{id}/pages/{n}.png         a page of a message (?job=ID: that recipient's copy)
//	GET  /api/messages/{id}/archive.pdf           the message as a PDF (?job=ID as above)
//	GET  /api/account/ledger      ?format=json|csv&from=DATE&to=DATE; staff see their own spending
//	GET  /api/tariffs             the tariff in force
//	GET  /metrics                 Prometheus text format, administrators only
//	GET  /api/system              version, uptime, disk use and the front panel, administrators only
//	POST /api/demo/incoming       demo only: the simulated remote fax machine sends the appliance a fax
//	GET  /api/inbox               received faxes, newest first; /api/inbox/{id}, its
//	                              pages/{n}.png, fax.pdf and fax.tif (inbox.go)
//	GET  /api/inbox/unread        the count of faxes the user has not read; POST
//	                              /api/inbox/{id}/read, assign, forward; DELETE
//	                              /api/inbox/{id} (administrators); GET /api/people (inbox_actions.go)
//	GET  /api/settings            administrators: identity, country, dial plan, SMTP relay (admin_settings.go)
//	PUT  /api/settings            administrators: change them (saved for the next start; 409 when they cannot be)
//	POST /api/tariffs             administrators: a tariff CSV in force from now (admin_billing.go)
//	GET  /api/tariffs/versions    administrators: the tariff versions, oldest first
//	POST /api/tariffs/versions/{id}/reinstate administrators: an earlier version in force again
//	GET  /api/limits              administrators: the users' monthly spending limits (admin_limits.go)
//	PUT  /api/limits/{user}       administrators: {"monthly": "50,00"} sets one, "" or "0" removes it
//	POST /api/account/adjust      administrators: {"amount": "-5.00", "reason": "..."}
//	GET  /api/modems/{name}/trace administrators: the newest traced call on a modem and its last lines (admin_modems.go);
//	                              a SIP line's name, "sip0/1", as it is or escaped ("sip0%2F1")
//	GET  /api/admin/backup        administrators: the appliance's backup, a .tar.gz (admin_backup.go)
//	POST /api/admin/restore       administrators: upload a backup; checked, staged, and the appliance restarts on it
//	GET  /api/draft               the user's draft: {"form", "files", "supported", "max_size"} (drafts.go)
//	PUT  /api/draft               keep the draft's form (JSON); DELETE /api/draft discards it with its files
//	POST /api/draft/files         attach files (multipart "file"), checked at once: 415 for a kind that
//	                              cannot be faxed, 413 too large, 400 damaged, each naming the file
//	DELETE /api/draft/files/{id}  take a file off the draft
//	POST /api/messages/{id}/resend ?job=ID...: the draft becomes the message again with its files,
//	                              for all its recipients or the jobs' only (resend.go)
//
// The administrators' changes (settings, tariffs, adjustments) are
// recorded in the audit log through Config.Audit.
//
// In to, cc and bcc, "contact:ID" stands for that contact's first fax
// number.
//
// Errors are JSON objects {"error": "..."} with a status code that says
// what kind of error it is (400 bad input, 401 no or wrong token, 402 not
// enough credit, 404 no such thing, 409 not in a state that allows it,
// 413 too large, 429 too many at once, 500 our fault). A document that
// cannot be faxed is refused with its name and the reason in plain words,
// "photo.png: the image is too large to fax (7000x7000 pixels)". A
// message with invalid numbers is refused with 400 and "invalid": one
// entry per number with its reason; nothing is stored then.
//
// Staff see and act on their own messages and jobs only; another user's
// are answered 404, as if they did not exist. Administrators see all.
//
// The package does not run the modems (package daemon does), serve the web
// UI's pages, or manage users and sessions: it asks its Authenticator who
// a request is from.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/contacts"
	"faxbox/firmware/daemon"
	"faxbox/firmware/events"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/firmware/submission"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox"
	"faxbox/sipline"
)

// Config configures a Server.
type Config struct {
	Store  *store.Store    // required
	Ledger *billing.Ledger // required
	// Renderer renders messages and previews (a *sandbox.Pool: in child
	// processes under limits, queued fairly between users).
	Renderer sandbox.Renderer
	// Numbers parses the numbers users type; nil means international forms
	// only.
	Numbers *numbers.Parser
	// Auth says who each request is from. Required.
	Auth Authenticator
	// From is the appliance's side of the first page and the header line
	// (organisation, fax number); the name is the Principal's.
	From render.Party
	// StationIdent is the appliance's TSI, shown on transmission reports.
	StationIdent string
	// Location is the time zone of the times on transmission reports;
	// nil means UTC.
	Location *time.Location
	// MaxAttempts per recipient; 0 means the store's default.
	MaxAttempts int
	// Submitter queues the messages of POST /api/messages; nil means one
	// over Store, Ledger and Renderer with MaxAttempts, Now and Logger,
	// which the appliance shares with fax by e-mail.
	Submitter *submission.Submitter
	// MaxUpload bounds the size of a submitted message with its
	// attachments, in bytes; default 64 MiB.
	MaxUpload int64
	// Demo marks the account as holding demo credit, not real money.
	Demo bool
	// Now is the time shown on rendered pages; default time.Now.
	Now func() time.Time
	// Logger receives one line per submission and per failure. Default:
	// discard.
	Logger *slog.Logger

	// Modems reports the modems' states (daemon.Pool.Status) for GET
	// /api/modems, the event stream's "modem" frames and /metrics; nil
	// means no modems.
	Modems func() []daemon.ModemStatus
	// SIP reports the SIP accounts' registration and calls in progress
	// (sipline.Account.Status) for GET /api/modems and /metrics; nil
	// means none.
	SIP func() []sipline.Status
	// Bus is where the pool publishes its lines' changes and the ledger
	// its totals' (the ones Modems and Ledger report): the event stream
	// sends "modem" and "account" frames when they come. nil: those
	// frames are sent on connecting only.
	Bus *events.Bus
	// PingEvery is the event stream's websocket ping interval; default
	// 30 s.
	PingEvery time.Duration
	// MaxEventClients caps the concurrent event stream connections
	// (each costs three goroutines and its buffers); default 256.
	MaxEventClients int
	// MaxEventClientsPerUser caps those of one user (a browser tab is
	// one), so that one user cannot take them all from colleagues;
	// default DefaultMaxEventClientsPerUser.
	MaxEventClientsPerUser int
	// Contacts is the office address book; nil leaves /api/contacts
	// answering 503 and "contact:ID" recipients unresolvable.
	Contacts *contacts.Book
	// PreviewTTL is how long POST /api/previews' images are kept;
	// default 30 minutes.
	PreviewTTL time.Duration
	// PreviewsPerMinute is how many previews a user may ask for in a
	// minute (a burst of that many, then one every 60/N seconds); more
	// are answered 429 with Retry-After. Default 10.
	PreviewsPerMinute int
	// System describes the appliance for GET /api/system (administrators):
	// version, uptime, disk use, the front panel. nil answers 503.
	System func(ctx context.Context) any
	// DemoIncoming, in the demo only, makes the simulated remote fax
	// machine send the appliance a fax (POST /api/demo/incoming); nil
	// leaves that endpoint answering 404.
	DemoIncoming func(ctx context.Context) error

	// Audit appends an administrator's change to the audit log (the
	// administrator's name, the action, what changed); the
	// administration endpoints that change something answer 503 without
	// it.
	Audit func(ctx context.Context, actor, action, detail string) error
	// Settings returns the appliance settings for GET /api/settings;
	// SaveSettings validates and keeps them for PUT /api/settings and says
	// where and when they apply. It returns a *SettingsError for invalid
	// settings and wraps ErrSettingsNotSaved when they cannot be kept.
	// Either nil answers 503.
	Settings     func(ctx context.Context) (Settings, error)
	SaveSettings func(ctx context.Context, s Settings) (string, error)
	// DefaultResolution returns the resolution of a message that chooses
	// none, as it is now ("standard", "fine" or "superfine"), so that a
	// change of the setting applies to the next message; nil means the
	// Submitter's.
	DefaultResolution func() string
	// ForwardFax mails a received fax (pdf is its PDF) to the address
	// to, for POST /api/inbox/{id}/forward; nil, or an error wrapping
	// ErrNoMail, answers 503 saying that no mail relay is configured.
	ForwardFax func(ctx context.Context, rx store.Received, pdf []byte, to string) error
	// People lists the users a received fax can be assigned to, for GET
	// /api/people; nil answers 503.
	People func(ctx context.Context) ([]Person, error)
	// WireLog returns the last n lines of the trace of the newest call on
	// the named modem, for GET /api/modems/{name}/trace; nil leaves the
	// lines out.
	WireLog func(name string, n int) ([]string, error)
	// Backup writes the appliance's backup for GET /api/admin/backup;
	// Restore checks and stages an uploaded one for POST
	// /api/admin/restore (admin_backup.go). Either nil answers 503.
	Backup  BackupFunc
	Restore RestoreFunc
}

// Server is the API's http.Handler.
type Server struct {
	cfg Config
	mux *http.ServeMux
	log *slog.Logger
	sub *submission.Submitter

	events      *eventHub     // events.go
	previews    *previewCache // previews.go
	previewRate *previewRate  // previews.go
	draftMu     sync.Mutex    // drafts.go: orders the changes of drafts
}

// New checks cfg and returns the API handler.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Ledger == nil || cfg.Renderer == nil {
		return nil, errors.New("api: a store, a ledger and a renderer are required")
	}
	if cfg.Auth == nil {
		return nil, errors.New("api: no authenticator: the API would accept nobody")
	}
	if cfg.Numbers == nil {
		cfg.Numbers = &numbers.Parser{}
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 64 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), log: cfg.Logger, sub: cfg.Submitter}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.sub == nil {
		var err error
		s.sub, err = submission.New(submission.Config{Store: cfg.Store, Ledger: cfg.Ledger, Renderer: cfg.Renderer,
			MaxAttempts: cfg.MaxAttempts, Now: cfg.Now, Logger: s.log})
		if err != nil {
			return nil, err
		}
	}
	s.mux.HandleFunc("POST /api/messages", s.createMessage)
	s.mux.HandleFunc("GET /api/messages", s.listMessages)
	s.mux.HandleFunc("GET /api/messages/{id}", s.getMessage)
	s.mux.HandleFunc("POST /api/jobs/{id}/cancel", s.cancelJob)
	s.mux.HandleFunc("POST /api/jobs/{id}/retry", s.retryJob)
	s.mux.HandleFunc("GET /api/jobs/{id}/report.pdf", s.jobReport) // report.go
	s.mux.HandleFunc("GET /api/account", s.account)
	s.mux.HandleFunc("POST /api/vouchers/redeem", s.redeem)
	s.mux.HandleFunc("GET /api/price", s.price)
	// Routes added by other files go below, one group per file.
	s.mux.HandleFunc("GET /api/attempts/{id}/trace", s.attemptTrace) // trace.go
	// events.go, modems.go
	s.events = newEventHub(s)
	s.mux.HandleFunc("GET /api/events", s.serveEvents)
	s.mux.HandleFunc("GET /api/modems", s.listModems)
	// contacts.go
	s.mux.HandleFunc("GET /api/contacts", s.listContacts)
	s.mux.HandleFunc("POST /api/contacts", s.createContact)
	s.mux.HandleFunc("GET /api/contacts/{id}", s.getContact)
	s.mux.HandleFunc("PUT /api/contacts/{id}", s.updateContact)
	s.mux.HandleFunc("DELETE /api/contacts/{id}", s.deleteContact)
	s.mux.HandleFunc("GET /api/contacts/export", s.exportContacts)
	s.mux.HandleFunc("POST /api/contacts/import", s.importContacts)
	// previews.go, archive.go
	s.previews = newPreviewCache(s)
	s.previewRate = newPreviewRate(cfg.PreviewsPerMinute)
	s.mux.HandleFunc("POST /api/previews", s.createPreview)
	s.mux.HandleFunc("GET /api/previews/{token}/{page}", s.getPreview)
	s.mux.HandleFunc("GET /api/messages/{id}/pages/{page}", s.messagePage)
	s.mux.HandleFunc("GET /api/messages/{id}/archive.pdf", s.messageArchive)
	// ledger.go, metrics.go
	s.mux.HandleFunc("GET /api/account/ledger", s.ledger)
	s.mux.HandleFunc("GET /api/tariffs", s.tariffs)
	s.mux.HandleFunc("GET /metrics", s.metrics)
	// system.go
	s.mux.HandleFunc("GET /api/system", s.system)
	s.mux.HandleFunc("POST /api/demo/incoming", s.demoIncoming)
	// inbox.go
	s.mux.HandleFunc("GET /api/inbox", s.listInbox)
	s.mux.HandleFunc("GET /api/inbox/{id}", s.getReceived)
	s.mux.HandleFunc("GET /api/inbox/{id}/pages/{page}", s.receivedPage)
	s.mux.HandleFunc("GET /api/inbox/{id}/fax.pdf", s.receivedPDF)
	s.mux.HandleFunc("GET /api/inbox/{id}/fax.tif", s.receivedTIFF)
	s.mux.HandleFunc("GET /api/inbox/unread", s.unreadCount) // inbox_actions.go
	s.mux.HandleFunc("POST /api/inbox/{id}/read", s.markRead)
	s.mux.HandleFunc("POST /api/inbox/{id}/assign", s.assignReceived)
	s.mux.HandleFunc("POST /api/inbox/{id}/forward", s.forwardReceived)
	s.mux.HandleFunc("DELETE /api/inbox/{id}", s.deleteReceived)
	s.mux.HandleFunc("GET /api/people", s.listPeople)
	// admin_settings.go, admin_billing.go, admin_modems.go
	s.mux.HandleFunc("GET /api/settings", s.getSettings)
	s.mux.HandleFunc("PUT /api/settings", s.putSettings)
	s.mux.HandleFunc("POST /api/tariffs", s.importTariff)
	s.mux.HandleFunc("GET /api/tariffs/versions", s.tariffVersions)
	s.mux.HandleFunc("POST /api/tariffs/versions/{id}/reinstate", s.reinstateTariff)
	s.mux.HandleFunc("GET /api/limits", s.listLimits)      // admin_limits.go
	s.mux.HandleFunc("PUT /api/limits/{user}", s.setLimit) // admin_limits.go
	s.mux.HandleFunc("POST /api/account/adjust", s.adjust)
	s.mux.HandleFunc("GET /api/modems/{name}/trace", s.modemTrace)
	s.mux.HandleFunc("GET /api/modems/{account}/{line}/trace", s.modemTrace) // SIP lines: "sip0/1"
	// admin_backup.go
	s.mux.HandleFunc("GET /api/admin/backup", s.backupDownload)
	s.mux.HandleFunc("POST /api/admin/restore", s.restoreUpload)
	// drafts.go, resend.go
	s.mux.HandleFunc("GET /api/draft", s.getDraft)
	s.mux.HandleFunc("PUT /api/draft", s.putDraft)
	s.mux.HandleFunc("DELETE /api/draft", s.deleteDraft)
	s.mux.HandleFunc("POST /api/draft/files", s.addDraftFiles)
	s.mux.HandleFunc("DELETE /api/draft/files/{id}", s.deleteDraftFile)
	s.mux.HandleFunc("POST /api/messages/{id}/resend", s.resendMessage)
	return s, nil
}

// ServeHTTP authenticates the request and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, err := s.cfg.Auth.Authenticate(r)
	if err != nil {
		if !errors.Is(err, ErrUnauthenticated) {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="faxbox"`)
		writeError(w, http.StatusUnauthorized, trim(err))
		return
	}
	if p.User.ID == 0 {
		s.fail(w, r, errors.New("api: the authenticator gave no user"))
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
	if _, pattern := s.mux.Handler(r); pattern == "" {
		// Not one of ours: say so in JSON rather than the mux's text.
		s.mux.ServeHTTP(&statusOnly{ResponseWriter: w}, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// statusOnly replaces the body of the mux's own 404 and 405 answers with
// a JSON error.
type statusOnly struct {
	http.ResponseWriter
	done bool
}

func (s *statusOnly) WriteHeader(code int) {
	if s.done {
		return
	}
	s.done = true
	msg := http.StatusText(code)
	switch code {
	case http.StatusNotFound:
		msg = "no such API endpoint"
	case http.StatusMethodNotAllowed:
		msg = "method not allowed here (allowed: " + s.Header().Get("Allow") + ")"
	}
	writeError(s.ResponseWriter, code, msg)
}

func (s *statusOnly) Write(p []byte) (int, error) {
	if !s.done {
		s.WriteHeader(http.StatusOK)
	}
	return len(p), nil
}

// writeJSON writes v with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Del("Content-Length")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// errorJSON is the body of every error.
type errorJSON struct {
	Error string `json:"error"`
	// Invalid lists the numbers refused, when that is the error.
	Invalid []invalidNumber `json:"invalid,omitempty"`
	// Missing is the credit missing, when that is the error.
	Missing string `json:"missing,omitempty"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorJSON{Error: msg})
}

// fail answers with the status code that err calls for.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := http.StatusInternalServerError, err.Error()
	var ce *billing.CreditError
	switch {
	case errors.Is(err, store.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, store.ErrIllegalTransition), errors.Is(err, store.ErrNoAttemptsLeft),
		errors.Is(err, billing.ErrVoucherRedeemed):
		code = http.StatusConflict
	case errors.Is(err, store.ErrInvalid), errors.Is(err, billing.ErrVoucherMalformed),
		errors.Is(err, billing.ErrVoucherForged), errors.Is(err, billing.ErrVoucherUnknownKey),
		errors.Is(err, billing.ErrVoucherKeyExpired), errors.Is(err, billing.ErrVoucherCurrency),
		errors.Is(err, billing.ErrInvalidAmount):
		code = http.StatusBadRequest
	case errors.As(err, &ce):
		writeJSON(w, http.StatusPaymentRequired, errorJSON{Error: trim(err), Missing: s.money(ce.Missing)})
		return
	case errors.Is(err, billing.ErrInsufficientCredit), errors.Is(err, billing.ErrUserLimit):
		code = http.StatusPaymentRequired
	case errors.Is(err, syscall.ENOSPC):
		code, msg = http.StatusInsufficientStorage, "the disk is full: "+msg
	case errors.Is(err, billing.ErrNoRate):
		code = http.StatusUnprocessableEntity
	case errors.Is(err, billing.ErrNoTariff), errors.Is(err, store.ErrClockNotSet), errors.Is(err, billing.ErrClockNotSet),
		errors.Is(err, render.ErrNoRasteriser):
		code = http.StatusServiceUnavailable
	case errors.Is(err, sandbox.ErrBusy):
		w.Header().Set("Retry-After", "10")
		code = http.StatusTooManyRequests
	}
	if code >= 500 {
		s.log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, code, trim2(msg))
}

// trim takes the package prefix off an error's message: users read it.
func trim(err error) string { return trim2(err.Error()) }

func trim2(msg string) string {
	for _, p := range []string{"billing: ", "store: ", "numbers: ", "render: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

// money formats an amount in the appliance currency, without the code.
func (s *Server) money(a billing.Amount) string {
	return s.cfg.Ledger.Currency().FormatNumber(a)
}

// pathID reads the {id} of the path.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is not an id", r.PathValue("id")))
		return 0, false
	}
	return id, true
}
