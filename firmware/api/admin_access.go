package api

import (
	"context"
	"fmt"
	"net/http"
)

// The administration endpoints (admin_*.go) are for administrators only:
// staff get 403. Those that change something record the change in the
// audit log through Config.Audit, with the administrator as actor, and
// are refused with 503 when there is no audit log to record it in.

// admin returns the request's principal if it is an administrator, and
// answers 403 saying that what is for administrators otherwise.
func admin(w http.ResponseWriter, r *http.Request, what string) (Principal, bool) {
	p := principal(r)
	if !p.Admin {
		writeError(w, http.StatusForbidden, what+" is for administrators")
		return p, false
	}
	return p, true
}

// canAudit answers 503 when there is no audit log to record a change in.
func (s *Server) canAudit(w http.ResponseWriter) bool {
	if s.cfg.Audit == nil {
		writeError(w, http.StatusServiceUnavailable, "no audit log on this appliance: administrative changes are refused")
		return false
	}
	return true
}

// record appends a change made by p to the audit log. The change is
// already made: a failure says so, so that the administrator does not
// make it twice.
func (s *Server) record(ctx context.Context, p Principal, action, detail string) error {
	if err := s.cfg.Audit(ctx, p.User.Name, action, detail); err != nil {
		return fmt.Errorf("api: %s done, but recording it in the audit log failed: %w", action, err)
	}
	return nil
}
