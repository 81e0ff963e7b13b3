package users

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"faxbox/firmware/store"
)

// User is an account. Its ID is the store user's id.
type User struct {
	ID   int64
	Name string // the login name
	// DisplayName is the name people know the user by, shown on cover
	// pages and in lists; "" when none was set (Shown gives Name then).
	DisplayName string
	Email       string // "" if none
	Admin       bool
	Disabled    bool
	// MustChange is set by ResetAdminPassword and whenever an
	// administrator sets the password (Create, SetPassword): until the
	// user changes the password, the web UI allows nothing else.
	MustChange bool
	Created    time.Time
}

// NewUser is an account to create.
type NewUser struct {
	Name        string
	DisplayName string // optional; see User.DisplayName
	Email       string
	Password    string
	Admin       bool
}

// Change is an update of an account; nil fields stay as they are.
type Change struct {
	DisplayName *string
	Email       *string
	Admin       *bool
	Disabled    *bool
}

// Limits on names and e-mail addresses.
const (
	MaxName        = 64
	MaxDisplayName = 100
	MaxEmail       = 254
)

const accountColumns = `id, name, display_name, email, admin, disabled, must_change, created_at`

// Shown is the name to show for the user: the display name, or the login
// name if there is none.
func (u User) Shown() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Name
}

func scanUser(row interface{ Scan(...any) error }, extra ...any) (User, error) {
	var u User
	var created int64
	err := row.Scan(append([]any{&u.ID, &u.Name, &u.DisplayName, &u.Email, &u.Admin, &u.Disabled, &u.MustChange, &created}, extra...)...)
	u.Created = fromMicros(created)
	return u, err
}

// checkDisplayName accepts "" or up to MaxDisplayName printable
// characters: spaces, accents and apostrophes are what names have.
func checkDisplayName(name string) error {
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxDisplayName {
		return invalid("a display name has up to %d characters", MaxDisplayName)
	}
	if strings.TrimSpace(name) != name {
		return invalid("display name %q: no spaces at the start or the end", name)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return invalid("display name %q: only printable characters are allowed", name)
		}
	}
	return nil
}

// checkName accepts 1 to MaxName letters, digits and ".-_@+".
func checkName(name string) error {
	if name == "" || len(name) > MaxName || !utf8.ValidString(name) {
		return invalid("a name has 1 to %d characters", MaxName)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(".-_@+", r) {
			return invalid("name %q: only letters, digits and . - _ @ + are allowed", name)
		}
	}
	return nil
}

// reservedNames may not be the name of an account, compared without
// regard to case. "api" and "demo" are the store users that faxd's API
// token acts as (firmware/serve.go): an account of that name would take
// over that store user and with it every message sent with the token.
// The others are names that staff and mail servers read as the system's
// own (RFC 2142 section 5 for the mailbox names), not a colleague's.
var reservedNames = []string{
	"api", "demo",
	"root", "system", "daemon", "nobody", "operator", "faxbox", "faxd", "console", "setup",
	"postmaster", "mailer-daemon", "abuse", "hostmaster", "webmaster", "security", "noc",
	"noreply", "no-reply", "support", "guest", "anonymous",
}

// adminNames may name administrators only: a staff account called
// "admin" would be taken for the administrator. (An administrator of that
// name who is later demoted keeps it.)
var adminNames = []string{"admin", "administrator"}

// checkReserved refuses the reserved names, and the administrators' names
// for a staff account.
func checkReserved(name string, admin bool) error {
	for _, r := range reservedNames {
		if strings.EqualFold(name, r) {
			return invalid("the name %q is reserved for the system: choose another", name)
		}
	}
	for _, r := range adminNames {
		if !admin && strings.EqualFold(name, r) {
			return invalid("the name %q is kept for administrators: choose another for a staff account", name)
		}
	}
	return nil
}

// checkEmail accepts "" or a bare address.
func checkEmail(email string) error {
	if email == "" {
		return nil
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || len(email) > MaxEmail {
		return invalid("%q is not an e-mail address (name@example.com)", email)
	}
	return nil
}

// checkPassword bounds the length; what users choose is up to them.
func checkPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPassword || len(pw) > MaxPassword {
		return invalid("a password has %d to %d characters", MinPassword, MaxPassword)
	}
	return nil
}

// SetupNeeded reports whether no administrator exists yet: the first-run
// page is open only then.
func (s *Store) SetupNeeded(ctx context.Context) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM users_accounts WHERE admin = 1`).Scan(&n); err != nil {
		return false, fmt.Errorf("users: setup needed: %w", err)
	}
	return n == 0, nil
}

// Setup creates the first administrator, only while SetupNeeded: the check
// and the creation are one transaction, so of two concurrent calls one
// gets ErrSetupDone.
func (s *Store) Setup(ctx context.Context, nu NewUser) (User, error) {
	nu.Admin = true
	return s.create(ctx, nu.Name, "setup", nu, true)
}

// Create adds an account; actor is the administrator who does it, for the
// audit log. Names reserved for the system ("api", "demo", "root",
// "postmaster", ...) are refused with ErrInvalid, and so are "admin" and
// "administrator" for staff accounts.
func (s *Store) Create(ctx context.Context, actor string, nu NewUser) (User, error) {
	return s.create(ctx, actor, "user.create", nu, false)
}

// create adds an account for nu, keyed by the store user of the same name
// (created if needed). A store user without an account, left by a crash
// between the two steps, is taken over by the account of its name; those
// of faxd's API token cannot be, their names being reserved.
func (s *Store) create(ctx context.Context, actor, action string, nu NewUser, setup bool) (User, error) {
	nu.DisplayName = strings.TrimSpace(nu.DisplayName)
	if err := errors.Join(checkName(nu.Name), checkDisplayName(nu.DisplayName), checkReserved(nu.Name, nu.Admin),
		checkEmail(nu.Email), checkPassword(nu.Password)); err != nil {
		return User{}, err
	}
	if setup {
		if need, err := s.SetupNeeded(ctx); err != nil {
			return User{}, err
		} else if !need {
			return User{}, ErrSetupDone
		}
	}
	if _, err := s.byName(ctx, s.db, nu.Name); err == nil {
		return User{}, fmt.Errorf("%w: %q", ErrExists, nu.Name)
	} else if !errors.Is(err, ErrNotFound) {
		return User{}, err
	}
	var hash string
	if err := s.hash(ctx, func() { hash = hashPassword(nu.Password, s.cfg.Hash) }); err != nil {
		return User{}, err
	}
	su, err := s.storeUser(ctx, nu.Name)
	if err != nil {
		return User{}, err
	}
	// A password that an administrator chose for someone else is to be
	// changed at the first login; the first administrator chose their own.
	u := User{ID: su.ID, Name: su.Name, Email: nu.Email, Admin: nu.Admin, DisplayName: nu.DisplayName, MustChange: !setup}
	err = s.tx(ctx, action, func(tx *sql.Tx, now time.Time) error {
		if setup {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users_accounts WHERE admin = 1`).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return ErrSetupDone
			}
		}
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users_accounts WHERE id = ? OR name = ?`, u.ID, u.Name).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return fmt.Errorf("%w: %q", ErrExists, u.Name)
		}
		u.Created = fromMicros(micros(now))
		if _, err := tx.ExecContext(ctx, `INSERT INTO users_accounts (id, name, email, admin, password, created_at, updated_at, display_name, must_change)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, u.Name, u.Email, u.Admin, hash, micros(now), micros(now), u.DisplayName, u.MustChange); err != nil {
			return err
		}
		return audit(ctx, tx, now, actor, action, fmt.Sprintf("user %q (id %d): %s, e-mail %q", u.Name, u.ID, role(u.Admin), u.Email))
	})
	if err != nil {
		return User{}, err
	}
	s.log.Info("users: account created", "actor", actor, "user", u.Name, "id", u.ID, "admin", u.Admin)
	return u, nil
}

// storeUser returns the store user named name, creating it if needed.
func (s *Store) storeUser(ctx context.Context, name string) (store.User, error) {
	su, err := s.accounts.UserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		su, err = s.accounts.CreateUser(ctx, name)
		if err != nil {
			// Someone else may just have created it.
			if again, err2 := s.accounts.UserByName(ctx, name); err2 == nil {
				return again, nil
			}
		}
	}
	if err != nil {
		return su, fmt.Errorf("users: store user %q: %w", name, err)
	}
	return su, nil
}

func role(admin bool) string {
	if admin {
		return "administrator"
	}
	return "staff"
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) byName(ctx context.Context, q querier, name string) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM users_accounts WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	if err != nil {
		return u, fmt.Errorf("users: user %q: %w", name, err)
	}
	return u, nil
}

func byID(ctx context.Context, q querier, id int64) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM users_accounts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("%w: id %d", ErrNotFound, id)
	}
	if err != nil {
		return u, fmt.Errorf("users: user %d: %w", id, err)
	}
	return u, nil
}

// Get returns the account with id.
func (s *Store) Get(ctx context.Context, id int64) (User, error) { return byID(ctx, s.db, id) }

// List returns every account, by name.
func (s *Store) List(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+accountColumns+` FROM users_accounts ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("users: list: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("users: list: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("users: list: %w", err)
	}
	return out, nil
}

// Address returns the e-mail address of user id (a store user id), for
// notifications: "" if the account has none, ErrNotFound if there is no
// account.
func (s *Store) Address(ctx context.Context, id int64) (string, error) {
	u, err := s.Get(ctx, id)
	return u.Email, err
}

// Update changes an account's display name, e-mail address, role or
// disabled flag.
// Disabling ends its sessions. Demoting or disabling the last enabled
// administrator is refused with ErrLastAdmin.
func (s *Store) Update(ctx context.Context, actor string, id int64, c Change) (User, error) {
	if c.Email != nil {
		if err := checkEmail(*c.Email); err != nil {
			return User{}, err
		}
	}
	if c.DisplayName != nil {
		if err := checkDisplayName(*c.DisplayName); err != nil {
			return User{}, err
		}
	}
	var u User
	err := s.tx(ctx, "update user", func(tx *sql.Tx, now time.Time) error {
		old, err := byID(ctx, tx, id)
		if err != nil {
			return err
		}
		u = old
		var what []string
		if c.DisplayName != nil && *c.DisplayName != old.DisplayName {
			u.DisplayName = *c.DisplayName
			what = append(what, fmt.Sprintf("display name %q → %q", old.DisplayName, u.DisplayName))
		}
		if c.Email != nil && *c.Email != old.Email {
			u.Email = *c.Email
			what = append(what, fmt.Sprintf("e-mail %q → %q", old.Email, u.Email))
		}
		if c.Admin != nil && *c.Admin != old.Admin {
			u.Admin = *c.Admin
			what = append(what, fmt.Sprintf("role %s → %s", role(old.Admin), role(u.Admin)))
		}
		if c.Disabled != nil && *c.Disabled != old.Disabled {
			u.Disabled = *c.Disabled
			what = append(what, map[bool]string{true: "disabled", false: "enabled"}[u.Disabled])
		}
		if len(what) == 0 {
			return nil
		}
		if old.Admin && !old.Disabled && (!u.Admin || u.Disabled) {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users_accounts WHERE admin = 1 AND disabled = 0 AND id <> ?`, id).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return ErrLastAdmin
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users_accounts SET display_name = ?, email = ?, admin = ?, disabled = ?,
			updated_at = ? WHERE id = ?`, u.DisplayName, u.Email, u.Admin, u.Disabled, micros(now), id); err != nil {
			return err
		}
		if u.Disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM users_sessions WHERE account = ?`, id); err != nil {
				return err
			}
		}
		return audit(ctx, tx, now, actor, "user.update", fmt.Sprintf("user %q (id %d): %s", u.Name, u.ID, strings.Join(what, ", ")))
	})
	if err != nil {
		return User{}, err
	}
	s.log.Info("users: account updated", "actor", actor, "user", u.Name, "id", u.ID)
	return u, nil
}

// SetPassword sets user id's password, as an administrator (actor) does,
// and ends all its sessions; the user must change it at the next login.
func (s *Store) SetPassword(ctx context.Context, actor string, id int64, password string) error {
	return s.setPassword(ctx, actor, "user.password", id, password, true, "")
}

// ChangePassword changes user id's own password after checking the old
// one (ErrBadCredentials if wrong) and ends its other sessions: keep is the
// token of the session to keep, "" for none. Wrong old passwords are
// throttled as failed logins of the account from client (the client's
// address) are, and count with them: a *ThrottleError while it must wait.
func (s *Store) ChangePassword(ctx context.Context, id int64, old, password, keep, client string) error {
	u, stored, err := s.credentials(ctx, "id", id)
	if err != nil {
		return err
	}
	key := strings.ToLower(u.Name)
	if err := s.throttle.check(key, client, s.cfg.Now()); err != nil {
		return err
	}
	ok, _, err := s.verifyThrottled(ctx, key, client, stored, old, true)
	if errors.Is(err, ErrThrottled) {
		return err
	}
	if err != nil {
		return fmt.Errorf("users: user %d: %w", id, err)
	}
	if !ok {
		s.log.Warn("users: wrong old password", "name", u.Name, "client", client)
		return fmt.Errorf("%w: the old password is wrong", ErrBadCredentials)
	}
	return s.setPassword(ctx, u.Name, "me.password", id, password, false, keep)
}

// ResetAdminPassword gives the first (oldest) administrator a new random
// password and returns it, for the installer console. The account is
// enabled again, its sessions end, and the web UI makes the administrator
// choose a new password at the next login. ErrSetupNeeded if there is no
// administrator yet.
func (s *Store) ResetAdminPassword(ctx context.Context) (string, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM users_accounts WHERE admin = 1 ORDER BY id LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrSetupNeeded
	}
	if err != nil {
		return "", fmt.Errorf("users: reset administrator password: %w", err)
	}
	pw := rand.Text()
	if err := s.setPassword(ctx, "console", "password.reset", id, pw, true, ""); err != nil {
		return "", err
	}
	return pw, nil
}

// setPassword replaces the hash, clears or sets must_change, ends the
// account's sessions but keep, and writes the audit entry.
func (s *Store) setPassword(ctx context.Context, actor, action string, id int64, password string, mustChange bool, keep string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	var hash string
	if err := s.hash(ctx, func() { hash = hashPassword(password, s.cfg.Hash) }); err != nil {
		return err
	}
	var u User
	err := s.tx(ctx, action, func(tx *sql.Tx, now time.Time) error {
		var err error
		if u, err = byID(ctx, tx, id); err != nil {
			return err
		}
		// A reset by the console also enables the account.
		if _, err := tx.ExecContext(ctx, `UPDATE users_accounts SET password = ?, must_change = ?,
			disabled = CASE WHEN ? THEN 0 ELSE disabled END, updated_at = ? WHERE id = ?`,
			hash, mustChange, action == "password.reset", micros(now), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users_sessions WHERE account = ? AND token_hash <> ?`, id, tokenHash(keep)); err != nil {
			return err
		}
		return audit(ctx, tx, now, actor, action, fmt.Sprintf("password of user %q (id %d) set", u.Name, u.ID))
	})
	if err != nil {
		return err
	}
	s.log.Info("users: password set", "actor", actor, "user", u.Name, "id", u.ID)
	return nil
}

// ByEmail returns the account whose e-mail address is email, compared
// without regard to case (fax by e-mail finds its sender so), or
// ErrNotFound, also when several accounts share the address: nobody is
// billed for somebody else's mail.
func (s *Store) ByEmail(ctx context.Context, email string) (User, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return User{}, fmt.Errorf("%w: no e-mail address", ErrNotFound)
	}
	var n int
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+accountColumns+`, count(*) OVER () FROM users_accounts
		WHERE email = ? COLLATE NOCASE LIMIT 1`, email), &n)
	if err == nil && n > 1 {
		return User{}, fmt.Errorf("%w: %s is the address of %d accounts", ErrNotFound, email, n)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("%w: %s", ErrNotFound, email)
	}
	if err != nil {
		return u, fmt.Errorf("users: user %s: %w", email, err)
	}
	return u, nil
}

// credentials returns the account whose column ("id" or "name") is key,
// with its stored hash.
func (s *Store) credentials(ctx context.Context, column string, key any) (User, string, error) {
	var stored string
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+accountColumns+`, password FROM users_accounts WHERE `+column+` = ?`, key), &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", fmt.Errorf("%w: %v", ErrNotFound, key)
	}
	if err != nil {
		return u, "", fmt.Errorf("users: user %v: %w", key, err)
	}
	return u, stored, nil
}
