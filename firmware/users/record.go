package users

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// Record appends an entry to the audit log for a change made outside this
// package (the appliance's settings, the tariff, the balance), with actor
// the administrator who made it. Actor and action are required; detail
// says what changed and must never hold a secret.
func (s *Store) Record(ctx context.Context, actor, action, detail string) error {
	if strings.TrimSpace(actor) == "" || strings.TrimSpace(action) == "" {
		return invalid("an audit entry needs an actor and an action")
	}
	return s.tx(ctx, "audit "+action, func(tx *sql.Tx, now time.Time) error {
		return audit(ctx, tx, now, actor, action, detail)
	})
}
