package api

import (
	"encoding/json"
	"net/http"
	"time"
)

// modemJSON is one modem of GET /api/modems, as the daemon reports it.
type modemJSON struct {
	Name  string     `json:"name"`
	State string     `json:"state"` // "probing", "idle", "calling", "out of service"
	Job   int64      `json:"job,omitempty"`
	Since *time.Time `json:"since,omitempty"`
	Error string     `json:"error,omitempty"`
	Calls int        `json:"calls"`
	// Account is the SIP account of a SIP line ("sip0"), "" for a modem.
	Account string `json:"account,omitempty"`
}

// modemsJSON is GET /api/modems' answer and a "modem" frame's data.
type modemsJSON struct {
	Modems []modemJSON `json:"modems"`
	// SIP is the SIP accounts whose lines are among Modems (siplines.go).
	SIP []sipAccountJSON `json:"sip,omitempty"`
}

// modemsView snapshots the status source.
func (s *Server) modemsView() modemsJSON {
	v := modemsJSON{Modems: []modemJSON{}}
	if s.cfg.Modems == nil {
		return v
	}
	var account map[string]string
	v.SIP, account = s.sipView()
	for _, m := range s.cfg.Modems() {
		v.Modems = append(v.Modems, modemJSON{Name: m.Name, State: m.State.String(), Job: m.Job,
			Since: ts(m.Since), Error: m.Err, Calls: m.Calls, Account: account[m.Name]})
	}
	return v
}

// modemsData is modemsView as a "modem" frame's data, or nil when there
// is no status source.
func (s *Server) modemsData() json.RawMessage {
	if s.cfg.Modems == nil {
		return nil
	}
	b, err := json.Marshal(s.modemsView())
	if err != nil {
		return nil
	}
	return b
}

// listModems implements GET /api/modems.
func (s *Server) listModems(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.modemsView())
}
