// Package users keeps Faxbox's accounts and what browsers need to use
// them safely: password hashes, sessions, login throttling, CSRF tokens,
// the first-run setup of the administrator and the audit log of
// administrative changes.
//
// It provides:
//
//   - Store, over the appliance's SQLite file (its own users_* tables and
//     users_schema version table, beside the store's and the ledger's).
//     Every account is also a store user (store.CreateUser) and is keyed by
//     that user's id, so messages and jobs belong to accounts.
//   - Passwords hashed with argon2id, kept as PHC strings
//     ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"); bcrypt hashes ("$2b$")
//     imported from elsewhere are verified too and replaced by argon2id at
//     the next successful login. No account has a default password: the
//     first administrator is created by Setup, which is refused once an
//     administrator exists.
//   - Sessions: 256-bit random tokens given to the browser in the
//     faxbox_session cookie and stored only as SHA-256 hashes, with an idle
//     and an absolute expiry, revoked on logout, password change and
//     disabling. Each session has a CSRF token derived from it, which every
//     state-changing request must echo in the X-CSRF-Token header.
//   - Login throttling per account name at one client address and per
//     client address (never per name alone, so that failures from one
//     machine lock the account nowhere else): a few failures are free,
//     then each costs a doubling delay up to a lockout, forgotten after a
//     quiet window. Wrong old passwords of ChangePassword count with them.
//   - Reserved names: the API token's users ("api", "demo") and names
//     read as the system's ("root", "postmaster", ...) are refused for
//     accounts, and "admin" for staff accounts.
//   - An audit log (actor, action, detail, time) written in the
//     transaction of every administrative change. It never holds a
//     password.
//   - SessionFromRequest, the session of a request's cookie, with its CSRF
//     check; package ui turns it into the JSON API's principal.
//
// The package does not serve HTTP or authenticate API requests (package ui
// does), send mail, or decide what staff may see of messages (package api
// does). It imports neither.
package users
