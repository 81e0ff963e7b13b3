package api

import "net/http"

// system implements GET /api/system: what the administration page shows
// of the appliance itself (version, uptime, disk, the front panel), as
// Config.System describes it. Administrators only.
func (s *Server) system(w http.ResponseWriter, r *http.Request) {
	if !principal(r).Admin {
		writeError(w, http.StatusForbidden, "the system status is for administrators")
		return
	}
	if s.cfg.System == nil {
		writeError(w, http.StatusServiceUnavailable, "no system status on this appliance")
		return
	}
	writeJSON(w, http.StatusOK, s.cfg.System(r.Context()))
}

// demoIncoming implements POST /api/demo/incoming: in the demo, the
// simulated remote fax machine calls and sends a fax, which arrives in the
// inbox like any other. 202: the call is on its way.
func (s *Server) demoIncoming(w http.ResponseWriter, r *http.Request) {
	if s.cfg.DemoIncoming == nil {
		writeError(w, http.StatusNotFound, "only the demo has a simulated remote fax machine")
		return
	}
	if err := s.cfg.DemoIncoming(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "the simulated remote fax machine is calling"})
}
