package api

import (
	"time"

	"faxbox/sipline"
)

// sipAccountJSON is one SIP account of GET /api/modems: its registration
// and its calls in progress; its lines are in "modems" with its name as
// their "account".
type sipAccountJSON struct {
	Name      string `json:"name"`
	Registrar string `json:"registrar,omitempty"`
	User      string `json:"user"`
	// State is "registered", "failing", "registering" or "not
	// registering" (no registrar).
	State string     `json:"state"`
	Since *time.Time `json:"since,omitempty"`
	// Reason is why the last REGISTER failed (sip.Reason: "auth-failed",
	// "timeout", ...), Status its SIP status and Error the words.
	Reason string `json:"reason,omitempty"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
	// Expires is the binding's lifetime in seconds; NextRegister when the
	// refresh, or the retry after a failure, goes.
	Expires      int        `json:"expires,omitempty"`
	NextRegister *time.Time `json:"next_register,omitempty"`
	Lines        []string   `json:"lines"`
	Calls        int        `json:"calls"`
}

// sipView snapshots the SIP accounts, and the account of each SIP line by
// the line's name.
func (s *Server) sipView() ([]sipAccountJSON, map[string]string) {
	if s.cfg.SIP == nil {
		return nil, nil
	}
	var out []sipAccountJSON
	account := map[string]string{}
	for _, st := range s.cfg.SIP() {
		out = append(out, sipAccountJSON{Name: st.Name, Registrar: st.Registrar, User: st.User, State: st.State,
			Since: ts(st.Since), Reason: string(st.Reason), Status: st.Status, Error: st.Detail,
			Expires: int(st.Expires / time.Second), NextRegister: ts(st.Next), Lines: st.Lines, Calls: st.Calls})
		for _, l := range st.Lines {
			account[l] = st.Name
		}
	}
	return out, account
}

// sipMetrics writes the SIP accounts' gauges.
func (s *Server) sipMetrics(p *promWriter) {
	if s.cfg.SIP == nil {
		return
	}
	sts := s.cfg.SIP()
	p.family("faxbox_sip_registered", "gauge", "1 while a SIP account is registered with its registrar, 0 while it is not (accounts without a registrar are left out).")
	for _, st := range sts {
		if st.Registrar == "" {
			continue
		}
		v := 0.0
		if st.State == sipline.RegRegistered {
			v = 1
		}
		p.sample("faxbox_sip_registered", v, "account", st.Name)
	}
	p.family("faxbox_sip_calls", "gauge", "Calls in progress on a SIP account's lines.")
	for _, st := range sts {
		p.sample("faxbox_sip_calls", float64(st.Calls), "account", st.Name)
	}
	p.family("faxbox_sip_lines", "gauge", "Lines of a SIP account: the calls it may carry at once.")
	for _, st := range sts {
		p.sample("faxbox_sip_lines", float64(len(st.Lines)), "account", st.Name)
	}
}
