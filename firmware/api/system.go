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
