package users

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Session is a signed-in browser.
type Session struct {
	// Token is the secret that the faxbox_session cookie carries: 256
	// random bits, base64url. Only its SHA-256 hash is stored.
	Token string
	// CSRF is the token that state-changing requests of this session send
	// in the X-CSRF-Token header; it is derived from Token.
	CSRF    string
	User    User
	Created time.Time
	// Expires is when the session ends unless used before: the idle
	// timeout after the last use, at most the absolute expiry.
	Expires time.Time
}

// touchEvery is how stale a session's last use may be before a request
// records it again, to spare the SD card a write per request.
const touchEvery = time.Minute

// tokenBytes is the length of a session token: 256 bits.
const tokenBytes = 32

// tokenHash is what the database keeps of a token.
func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// csrfFor derives the session's CSRF token from its secret token.
func csrfFor(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("faxbox csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports whether header is the session's CSRF token.
func (s Session) CheckCSRF(header string) bool {
	return s.CSRF != "" && subtle.ConstantTimeCompare([]byte(header), []byte(s.CSRF)) == 1
}

// Login checks name and password and starts a session. client is the
// client's address (the IP of the connection), for throttling. It returns
// a *ThrottleError while the name or the client is throttled,
// ErrBadCredentials for a wrong name or password (the same answer for
// both), ErrDisabled for the right password of a disabled account.
func (s *Store) Login(ctx context.Context, name, password, client string) (Session, error) {
	u, err := s.Verify(ctx, name, password, client)
	if err != nil {
		return Session{}, err
	}
	sess, err := s.StartSession(ctx, u.ID)
	if err != nil {
		return Session{}, err
	}
	s.log.Info("users: login", "user", u.Name, "client", client)
	return sess, nil
}

// Verify checks name and password as Login does, throttled the same way,
// without starting a session: for SMTP authentication.
func (s *Store) Verify(ctx context.Context, name, password, client string) (User, error) {
	key := strings.ToLower(name)
	if err := s.throttle.check(key, client, s.cfg.Now()); err != nil {
		return User{}, err
	}
	u, stored, err := s.credentials(ctx, "name", name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, err
	}
	found := err == nil
	if !found {
		stored = s.dummy()
	}
	ok, rehash, err := s.verifyThrottled(ctx, key, client, stored, password, found)
	if err != nil {
		if errors.Is(err, ErrThrottled) {
			return User{}, err
		}
		return User{}, fmt.Errorf("users: login %q: %w", name, err)
	}
	if !found || !ok {
		// An unknown name is not logged: it may be a password typed
		// into the wrong field.
		logged := "(unknown)"
		if found {
			logged = u.Name
		}
		s.log.Warn("users: failed login", "name", logged, "client", client)
		return User{}, ErrBadCredentials
	}
	if u.Disabled {
		s.log.Warn("users: login to a disabled account", "name", u.Name, "client", client)
		return User{}, ErrDisabled
	}
	s.throttle.succeed(key, client)
	if rehash {
		s.rehash(ctx, u, password)
	}
	return u, nil
}

// verifyThrottled verifies password against the stored hash holding a
// hashing slot, throttled for the account name key (in lower case) at
// client; found is false when stored is the dummy hash of an unknown
// name, which always fails. The throttle is checked again, and a failure
// counted, with the slot held: of the attempts queued behind failing
// ones, at most maxHashing-1 more are heard once the throttle closes.
func (s *Store) verifyThrottled(ctx context.Context, key, client, stored, password string, found bool) (ok, rehash bool, err error) {
	var verr error
	err = s.hash(ctx, func() {
		if verr = s.throttle.check(key, client, s.cfg.Now()); verr != nil {
			return
		}
		ok, rehash, verr = verifyPassword(stored, password, s.cfg.Hash)
		ok = ok && found
		if verr != nil || !ok {
			s.throttle.fail(key, client, s.cfg.Now())
		}
	})
	if err == nil {
		err = verr
	}
	return ok, rehash, err
}

// rehash replaces an old hash (bcrypt, or other argon2id parameters) after
// a successful login; a failure only costs the upgrade.
func (s *Store) rehash(ctx context.Context, u User, password string) {
	var hash string
	if err := s.hash(ctx, func() { hash = hashPassword(password, s.cfg.Hash) }); err != nil {
		return
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE users_accounts SET password = ? WHERE id = ?`, hash, u.ID); err != nil {
		s.log.Warn("users: rehash", "user", u.Name, "err", err)
	}
}

// StartSession starts a session for user id, which must be enabled, as
// Login and the first-run page do. It also forgets expired sessions.
func (s *Store) StartSession(ctx context.Context, id int64) (Session, error) {
	b := make([]byte, tokenBytes)
	rand.Read(b) // never fails (crypto/rand)
	sess := Session{Token: base64.RawURLEncoding.EncodeToString(b)}
	sess.CSRF = csrfFor(sess.Token)
	err := s.tx(ctx, "start session", func(tx *sql.Tx, now time.Time) error {
		u, err := byID(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.Disabled {
			return ErrDisabled
		}
		sess.User, sess.Created = u, now
		sess.Expires = s.expiry(now, now.Add(s.cfg.MaxSessionAge))
		if _, err := tx.ExecContext(ctx, `DELETE FROM users_sessions WHERE expires_at <= ? OR last_seen <= ?`,
			micros(now), micros(now.Add(-s.cfg.IdleTimeout))); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO users_sessions (token_hash, account, created_at, last_seen, expires_at)
			VALUES (?, ?, ?, ?, ?)`, tokenHash(sess.Token), id, micros(now), micros(now), micros(now.Add(s.cfg.MaxSessionAge)))
		return err
	})
	if err != nil {
		return Session{}, err
	}
	return sess, nil
}

// expiry is when a session last used at lastSeen ends.
func (s *Store) expiry(lastSeen, absolute time.Time) time.Time {
	if idle := lastSeen.Add(s.cfg.IdleTimeout); idle.Before(absolute) {
		return idle
	}
	return absolute
}

// Session returns the live session whose cookie carries token, and records
// its use; ErrNoSession if there is none (unknown, expired, revoked, or
// its account disabled).
func (s *Store) Session(ctx context.Context, token string) (Session, error) {
	if len(token) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return Session{}, ErrNoSession
	}
	now := s.cfg.Now()
	var created, lastSeen, absolute int64
	row := s.db.QueryRowContext(ctx, `SELECT a.id, a.name, a.display_name, a.email, a.admin, a.disabled, a.must_change,
		a.created_at, s.created_at, s.last_seen, s.expires_at
		FROM users_sessions s JOIN users_accounts a ON a.id = s.account WHERE s.token_hash = ?`, tokenHash(token))
	u, err := scanUser(row, &created, &lastSeen, &absolute)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("users: session: %w", err)
	}
	sess := Session{Token: token, CSRF: csrfFor(token), User: u, Created: fromMicros(created),
		Expires: s.expiry(fromMicros(lastSeen), fromMicros(absolute))}
	if u.Disabled || !now.Before(sess.Expires) {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM users_sessions WHERE token_hash = ?`, tokenHash(token)); err != nil {
			s.log.Warn("users: forget expired session", "err", err)
		}
		return Session{}, ErrNoSession
	}
	if now.Sub(fromMicros(lastSeen)) >= touchEvery {
		if _, err := s.db.ExecContext(ctx, `UPDATE users_sessions SET last_seen = ? WHERE token_hash = ?`, micros(now), tokenHash(token)); err != nil {
			s.log.Warn("users: record session use", "err", err)
		} else {
			sess.Expires = s.expiry(now, fromMicros(absolute))
		}
	}
	return sess, nil
}

// Logout ends the session whose cookie carries token.
func (s *Store) Logout(ctx context.Context, token string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM users_sessions WHERE token_hash = ?`, tokenHash(token)); err != nil {
		return fmt.Errorf("users: logout: %w", err)
	}
	return nil
}
