package users

// migrations returns the schema steps, applied in order, each in its own
// transaction together with users_schema.version. Never edit a released
// step: append a new one. Times are unix microseconds (UTC), as in
// packages store and billing. Every table is prefixed "users_"; accounts
// reference the store's users, whose ids they share.
func migrations() []string {
	return []string{
		// 1: accounts, sessions, audit log.
		`CREATE TABLE users_accounts (
		id          INTEGER PRIMARY KEY REFERENCES store_users(id),
		name        TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (name <> ''),
		email       TEXT NOT NULL DEFAULT '',
		admin       INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
		disabled    INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
		password    TEXT NOT NULL, -- PHC string (argon2id) or bcrypt hash
		must_change INTEGER NOT NULL DEFAULT 0 CHECK (must_change IN (0, 1)),
		created_at  INTEGER NOT NULL,
		updated_at  INTEGER NOT NULL
	);

	CREATE TABLE users_sessions (
		token_hash BLOB PRIMARY KEY, -- SHA-256 of the cookie's token
		account    INTEGER NOT NULL REFERENCES users_accounts(id) ON DELETE CASCADE,
		created_at INTEGER NOT NULL,
		last_seen  INTEGER NOT NULL,
		expires_at INTEGER NOT NULL  -- absolute expiry
	);
	CREATE INDEX users_sessions_account ON users_sessions(account);

	CREATE TABLE users_audit (
		id     INTEGER PRIMARY KEY,
		at     INTEGER NOT NULL,
		actor  TEXT NOT NULL,
		action TEXT NOT NULL,
		detail TEXT NOT NULL
	);`,

		// 2: the name people know a user by ("Anna Martens"), beside the
		// login name; '' shows the login name.
		`ALTER TABLE users_accounts ADD COLUMN display_name TEXT NOT NULL DEFAULT '';`,
	}
}

// SchemaVersion returns the schema version this code migrates to.
func SchemaVersion() int { return len(migrations()) }
