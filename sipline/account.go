package sipline

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"

	"faxbox/sip"
	"faxbox/t38"
)

// Options are what an Account takes besides its [[sip]] table.
type Options struct {
	// Password is the digest password (sip.Config.ReadPassword).
	Password string
	// Name prefixes the lines' names: "Name/1", "Name/2"...; default "sip".
	Name string
	// T38 is the template of every call's t38.Config: Redundancy,
	// NoPacing, Logger. Params and Trace are set per call.
	T38 t38.Config
	// CorrigendumV0 makes version 0 sessions use the ASN.1 of T.38
	// Corrigendum 1 (t38.Config.V0Corrigendum). By default they use the
	// 1998 notation, which spandsp and Asterisk speak in version 0.
	CorrigendumV0 bool
	// AudioFirst starts outgoing calls as audio with CNG and leaves the
	// switch to T.38 to a re-INVITE (T.38 Annex D); by default T.38 is
	// offered in the INVITE and audio only if the far end refuses it.
	AudioFirst bool
	// OnRegister reports each registration attempt; nil for none.
	OnRegister func(sip.RegStatus)
	// Log receives the SIP layer's warnings; nil discards them.
	Log *slog.Logger
}

// Account is one SIP account with its Lines, one per call it may carry at
// once. Its methods are safe for concurrent use.
type Account struct {
	cfg   sip.Config
	opt   Options
	agent *sip.Agent
	lines []*Line

	// The SIP trace by Call-ID: a line claims its call's messages; the
	// others (REGISTER, calls not yet claimed) wait in orphans, bounded.
	mu      sync.Mutex
	owners  map[string]*Line
	orphans []sip.TraceRecord
	reg     Status // the last REGISTER's outcome (status.go)
}

// maxOrphans bounds the SIP messages kept for calls no line has claimed
// yet (the first INVITE of a call goes out before Dial returns its ID).
const maxOrphans = 64

// Open validates cfg, starts its SIP agent and makes cfg.MaxCalls lines.
// It does not register: call Register.
func Open(cfg sip.Config, opt Options) (*Account, error) {
	if opt.Name == "" {
		opt.Name = "sip"
	}
	a := &Account{cfg: cfg, opt: opt, owners: map[string]*Line{}}
	ag, err := sip.NewAgent(cfg, sip.Options{Password: opt.Password, Trace: a.trace, Log: opt.Log, OnRegister: a.onRegister})
	if err != nil {
		return nil, err
	}
	a.agent = ag
	for i := range cfg.MaxCalls {
		a.lines = append(a.lines, newLine(a, fmt.Sprintf("%s/%d", opt.Name, i+1)))
	}
	return a, nil
}

// Lines returns the account's lines, cfg.MaxCalls of them.
func (a *Account) Lines() []*Line { return a.lines }

// Agent returns the account's SIP agent (its address, for instance).
func (a *Account) Agent() *sip.Agent { return a.agent }

// Register keeps the account registered until ctx ends (sip.Agent.Register);
// without a registrar it returns at once.
func (a *Account) Register(ctx context.Context) error { return a.agent.Register(ctx) }

// Close hangs up every call and releases the ports.
func (a *Account) Close() error { return a.agent.Close() }

// trace is the agent's Options.Trace.
func (a *Account) trace(r sip.TraceRecord) {
	id := callID(r.Msg)
	a.mu.Lock()
	defer a.mu.Unlock()
	if l := a.owners[id]; l != nil {
		l.addSIP(r)
		return
	}
	if len(a.orphans) == maxOrphans {
		a.orphans = a.orphans[1:]
	}
	a.orphans = append(a.orphans, r)
}

// claim routes the trace of call id to l, with what came before.
func (a *Account) claim(id string, l *Line) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.owners[id] = l
	kept := a.orphans[:0]
	for _, r := range a.orphans {
		if callID(r.Msg) == id {
			l.addSIP(r)
		} else {
			kept = append(kept, r)
		}
	}
	a.orphans = kept
}

// release stops routing call id's trace.
func (a *Account) release(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.owners, id)
}

// callID returns the Call-ID header of a SIP message (RFC 3261 20.8, also
// in its compact form "i").
func callID(msg []byte) string {
	for _, line := range bytes.Split(msg, []byte("\r\n")) {
		if len(line) == 0 {
			break // end of the headers
		}
		name, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		n := bytes.TrimSpace(name)
		if bytes.EqualFold(n, []byte("Call-ID")) || bytes.EqualFold(n, []byte("i")) {
			return string(bytes.TrimSpace(val))
		}
	}
	return ""
}
