package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// RegStatus is the outcome of one registration attempt.
type RegStatus struct {
	Registered bool
	Expires    time.Duration // granted lifetime (RFC 3261 10.2.4)
	Status     int           // final SIP status, 0 if none came
	Err        error         // *CallError with ReasonAuth, ReasonTimeout...
	// Next is the wait before the next REGISTER: the refresh of a binding
	// (before it lapses) or the retry after a failure.
	Next time.Duration
}

// regRetry is how long a failed registration waits before trying again.
const regRetry = 60 * time.Second

// Register keeps the account registered until ctx ends, refreshing before
// the granted lifetime runs out, then removes the binding (Expires: 0,
// RFC 3261 10.2.2). It returns nil at once if Config has no registrar.
func (a *Agent) Register(ctx context.Context) error {
	if a.cfg.Registrar == "" {
		return nil
	}
	r := &registration{a: a, callID: gosip.GenerateTagN(16) + "@faxbox", cseq: 1}
	for {
		st := r.once(ctx, time.Duration(a.cfg.Expires))
		st.Next = regRetry
		if st.Registered {
			st.Next = refreshDelay(st.Expires)
		}
		if a.opt.OnRegister != nil {
			a.opt.OnRegister(st)
		}
		wait := st.Next
		select {
		case <-ctx.Done():
			uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r.once(uctx, 0)
			return nil
		case <-a.opt.After(wait):
		}
	}
}

// refreshDelay is when to refresh a binding granted for exp: halfway for
// short lifetimes, a minute before the end for long ones, so that a lost
// request can be retried before the binding lapses.
func refreshDelay(exp time.Duration) time.Duration {
	if exp <= 2*time.Minute {
		return exp / 2
	}
	return exp - time.Minute
}

// registration is the REGISTER state of one Agent: the same Call-ID for
// every refresh and an increasing CSeq (RFC 3261 10.2.4).
type registration struct {
	a      *Agent
	callID string
	cseq   uint32
}

// once sends one REGISTER asking for exp (0 removes the binding),
// answering a digest challenge (RFC 3261 22.2).
func (r *registration) once(ctx context.Context, exp time.Duration) RegStatus {
	req := r.request(exp)
	res, err := r.a.cli.Do(ctx, req)
	if err == nil && (res.StatusCode == 401 || res.StatusCode == 407) {
		res, err = r.a.cli.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: r.a.authUser(), Password: r.a.opt.Password})
	}
	r.cseq = req.CSeq().SeqNo + 1
	if err != nil {
		return RegStatus{Err: &CallError{Reason: ReasonTimeout, Err: fmt.Errorf("REGISTER: %w", err)}}
	}
	if !res.IsSuccess() {
		reason := ReasonRejected
		if res.StatusCode == 401 || res.StatusCode == 407 || res.StatusCode == 403 {
			reason = ReasonAuth
		}
		return RegStatus{Status: res.StatusCode, Err: &CallError{Reason: reason, Status: res.StatusCode,
			Err: errors.New(res.Reason)}}
	}
	return RegStatus{Registered: exp > 0, Expires: r.granted(res, exp), Status: res.StatusCode}
}

func (r *registration) request(exp time.Duration) *gosip.Request {
	a := r.a
	host, port, _ := splitHostPort(a.cfg.Registrar)
	req := gosip.NewRequest(gosip.REGISTER, gosip.Uri{Scheme: "sip", Host: host, Port: port})
	aor := a.aor()
	to := gosip.ToHeader{Address: aor}
	from := gosip.FromHeader{Address: aor, Params: params("tag", gosip.GenerateTagN(10))}
	cid := gosip.CallIDHeader(r.callID)
	contact := a.contact()
	req.AppendHeader(&to)
	req.AppendHeader(&from)
	req.AppendHeader(&cid)
	req.AppendHeader(&gosip.CSeqHeader{SeqNo: r.cseq, MethodName: gosip.REGISTER})
	req.AppendHeader(&contact)
	req.AppendHeader(gosip.NewHeader("Expires", strconv.Itoa(int(exp/time.Second))))
	a.route(req)
	return req
}

// granted reads the lifetime the registrar gave our contact: its expires
// parameter, else the Expires header, else what we asked (RFC 3261
// 10.2.4).
func (r *registration) granted(res *gosip.Response, asked time.Duration) time.Duration {
	mine := r.a.contact().Address
	for _, h := range res.GetHeaders("Contact") {
		c, ok := h.(*gosip.ContactHeader)
		if !ok || c.Address.Host != mine.Host || c.Address.Port != mine.Port {
			continue
		}
		if v, ok := c.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil {
				return time.Duration(n) * time.Second
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(h.Value()); err == nil {
			return time.Duration(n) * time.Second
		}
	}
	return asked
}

// aor is our address of record, sip:user@domain.
func (a *Agent) aor() gosip.Uri {
	domain := a.cfg.Domain
	if domain == "" {
		domain, _, _ = splitHostPort(a.cfg.Registrar)
	}
	if domain == "" {
		domain = a.addr.Addr().String()
	}
	return gosip.Uri{Scheme: "sip", User: a.cfg.User, Host: domain}
}

func (a *Agent) authUser() string {
	if a.cfg.AuthUser != "" {
		return a.cfg.AuthUser
	}
	return a.cfg.User
}

// route sends req through the outbound proxy if there is one, with our
// transport.
func (a *Agent) route(req *gosip.Request) {
	if a.cfg.Transport == TCP {
		req.SetTransport("TCP")
	}
	if a.cfg.Proxy != "" {
		host, port, _ := splitHostPort(a.cfg.Proxy)
		if port == 0 {
			port = 5060
		}
		req.SetDestination(host + ":" + strconv.Itoa(port))
	}
}
