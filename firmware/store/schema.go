package store

// migrations returns the schema steps, applied in order, each in its own
// transaction together with store_schema.version. Never edit a released
// step: append a new one. Times are unix microseconds (UTC), as in
// package billing. Every table is prefixed "store_" so that the store can
// share one database file with the billing ledger.
func migrations() []string {
	return []string{
		// 1: users, messages, recipients, jobs, attempts, pages, received
		// faxes, events.
		`CREATE TABLE store_users (
		id         INTEGER PRIMARY KEY,
		name       TEXT NOT NULL UNIQUE CHECK (name <> ''),
		created_at INTEGER NOT NULL
	);

	CREATE TABLE store_messages (
		id         INTEGER PRIMARY KEY,
		sender     INTEGER NOT NULL REFERENCES store_users(id),
		subject    TEXT NOT NULL,
		body       TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		state      TEXT NOT NULL DEFAULT 'active'
		           CHECK (state IN ('active', 'delivered', 'partial', 'failed', 'cancelled'))
	);
	CREATE INDEX store_messages_sender ON store_messages(sender, id);

	CREATE TABLE store_recipients (
		id      INTEGER PRIMARY KEY,
		message INTEGER NOT NULL REFERENCES store_messages(id) ON DELETE CASCADE,
		field   TEXT NOT NULL CHECK (field IN ('to', 'cc', 'bcc')),
		number  TEXT NOT NULL CHECK (number GLOB '+[1-9]*' AND length(number) BETWEEN 3 AND 16),
		name    TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX store_recipients_message ON store_recipients(message);

	CREATE TABLE store_jobs (
		id               INTEGER PRIMARY KEY,
		message          INTEGER NOT NULL REFERENCES store_messages(id) ON DELETE CASCADE,
		recipient        INTEGER NOT NULL UNIQUE REFERENCES store_recipients(id) ON DELETE CASCADE,
		state            TEXT NOT NULL CHECK (state IN
		                 ('queued', 'dialing', 'sending', 'retry', 'delivered', 'failed', 'cancelled')),
		cancel_requested INTEGER NOT NULL DEFAULT 0,
		attempts         INTEGER NOT NULL DEFAULT 0,
		max_attempts     INTEGER NOT NULL CHECK (max_attempts > 0),
		next_attempt_at  INTEGER NOT NULL,
		reason_code      TEXT NOT NULL DEFAULT '',
		reason_text      TEXT NOT NULL DEFAULT '',
		pages_total      INTEGER NOT NULL DEFAULT 0,
		pages_confirmed  INTEGER NOT NULL DEFAULT 0,
		updated_at       INTEGER NOT NULL,
		CHECK (attempts BETWEEN 0 AND max_attempts),
		CHECK (pages_confirmed BETWEEN 0 AND pages_total),
		CHECK (state <> 'delivered' OR pages_confirmed = pages_total)
	);
	CREATE INDEX store_jobs_due ON store_jobs(next_attempt_at, id) WHERE state IN ('queued', 'retry');
	CREATE INDEX store_jobs_active ON store_jobs(state) WHERE state IN ('dialing', 'sending');
	CREATE INDEX store_jobs_message ON store_jobs(message);

	CREATE TABLE store_attempts (
		id               INTEGER PRIMARY KEY,
		job              INTEGER NOT NULL REFERENCES store_jobs(id) ON DELETE CASCADE,
		number           INTEGER NOT NULL CHECK (number > 0),
		modem            TEXT NOT NULL,
		first_page       INTEGER NOT NULL,
		started_at       INTEGER NOT NULL,
		connected_at     INTEGER,
		ended_at         INTEGER,
		last_activity_at INTEGER NOT NULL, -- last persisted progress, for Recover
		duration_ms      INTEGER NOT NULL DEFAULT 0,
		reason_code      TEXT NOT NULL DEFAULT '',
		reason_text      TEXT NOT NULL DEFAULT '',
		pages_confirmed  INTEGER NOT NULL DEFAULT 0,
		bit_rate         INTEGER NOT NULL DEFAULT 0,
		ecm              INTEGER NOT NULL DEFAULT 0,
		coding           TEXT NOT NULL DEFAULT '',
		remote_ident     TEXT NOT NULL DEFAULT '',
		trace_path       TEXT NOT NULL DEFAULT '',
		UNIQUE (job, number)
	);
	CREATE UNIQUE INDEX store_attempts_one_open ON store_attempts(job) WHERE ended_at IS NULL;

	CREATE TABLE store_page_confirms (
		attempt INTEGER NOT NULL REFERENCES store_attempts(id) ON DELETE CASCADE,
		job     INTEGER NOT NULL REFERENCES store_jobs(id) ON DELETE CASCADE,
		page    INTEGER NOT NULL CHECK (page > 0),
		at      INTEGER NOT NULL,
		PRIMARY KEY (attempt, page)
	) WITHOUT ROWID;
	CREATE INDEX store_page_confirms_job ON store_page_confirms(job, page);

	CREATE TABLE store_received (
		id           INTEGER PRIMARY KEY,
		received_at  INTEGER NOT NULL,
		modem        TEXT NOT NULL DEFAULT '',
		caller_ident TEXT NOT NULL DEFAULT '',
		caller_id    TEXT NOT NULL DEFAULT '',
		pages        INTEGER NOT NULL CHECK (pages >= 0),
		quality      TEXT NOT NULL DEFAULT '',
		partial      INTEGER NOT NULL DEFAULT 0,
		duration_ms  INTEGER NOT NULL DEFAULT 0,
		path         TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX store_received_at ON store_received(received_at);

	CREATE TABLE store_pages (
		id       INTEGER PRIMARY KEY,
		message  INTEGER REFERENCES store_messages(id) ON DELETE CASCADE,
		job      INTEGER REFERENCES store_jobs(id) ON DELETE CASCADE,
		received INTEGER REFERENCES store_received(id) ON DELETE CASCADE,
		idx      INTEGER NOT NULL CHECK (idx > 0),
		path     TEXT NOT NULL CHECK (path <> ''),
		sha256   TEXT NOT NULL CHECK (length(sha256) = 64),
		CHECK ((message IS NOT NULL) + (job IS NOT NULL) + (received IS NOT NULL) = 1)
	);
	CREATE UNIQUE INDEX store_pages_message ON store_pages(message, idx) WHERE message IS NOT NULL;
	CREATE UNIQUE INDEX store_pages_job ON store_pages(job, idx) WHERE job IS NOT NULL;
	CREATE UNIQUE INDEX store_pages_received ON store_pages(received, idx) WHERE received IS NOT NULL;

	CREATE TABLE store_events (
		seq     INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, also after pruning
		at      INTEGER NOT NULL,
		kind    TEXT NOT NULL CHECK (kind <> ''),
		job     INTEGER REFERENCES store_jobs(id) ON DELETE SET NULL,
		payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload))
	);
	CREATE INDEX store_events_job ON store_events(job);`,

		// 2: what each destination's fax machine did (destinations.go).
		`CREATE TABLE store_destinations (
		number                   TEXT PRIMARY KEY CHECK (number GLOB '+[1-9]*'),
		calls                    INTEGER NOT NULL DEFAULT 0,
		answered                 INTEGER NOT NULL DEFAULT 0,
		delivered                INTEGER NOT NULL DEFAULT 0,
		last_call_at             INTEGER NOT NULL,
		last_reason_code         TEXT NOT NULL DEFAULT '',
		last_reason_text         TEXT NOT NULL DEFAULT '',
		last_delivered_at        INTEGER,
		worked_at                INTEGER,
		worked_bit_rate          INTEGER NOT NULL DEFAULT 0,
		worked_ecm               INTEGER NOT NULL DEFAULT 0,
		worked_coding            TEXT NOT NULL DEFAULT '',
		remote_ident             TEXT NOT NULL DEFAULT '',
		clean_trainings          INTEGER NOT NULL DEFAULT 0,
		last_training_failure_at INTEGER,
		ecm_failures             INTEGER NOT NULL DEFAULT 0,
		last_ecm_failure_at      INTEGER,
		delivered_since_ecm_failure INTEGER NOT NULL DEFAULT 0
	) WITHOUT ROWID;

	CREATE TABLE store_destination_rates (
		number          TEXT NOT NULL REFERENCES store_destinations(number) ON DELETE CASCADE,
		bit_rate        INTEGER NOT NULL CHECK (bit_rate > 0),
		failures        INTEGER NOT NULL CHECK (failures > 0),
		last_failure_at INTEGER NOT NULL,
		PRIMARY KEY (number, bit_rate)
	) WITHOUT ROWID;`,

		// 3: faxes received page by page (received.go): in progress until
		// finished, routed to a user or to all staff, how the call went,
		// and each page's copy quality.
		`ALTER TABLE store_received ADD COLUMN receiving INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE store_received ADD COLUMN route_user INTEGER REFERENCES store_users(id) ON DELETE SET NULL;
	ALTER TABLE store_received ADD COLUMN reason_code TEXT NOT NULL DEFAULT '';
	ALTER TABLE store_received ADD COLUMN reason_text TEXT NOT NULL DEFAULT '';
	ALTER TABLE store_received ADD COLUMN bit_rate INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE store_received ADD COLUMN ecm INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE store_received ADD COLUMN coding TEXT NOT NULL DEFAULT '';
	CREATE INDEX store_received_route ON store_received(route_user, id);

	CREATE TABLE store_received_quality (
		received  INTEGER NOT NULL REFERENCES store_received(id) ON DELETE CASCADE,
		idx       INTEGER NOT NULL CHECK (idx > 0),
		rows      INTEGER NOT NULL DEFAULT 0,
		bad_rows  INTEGER NOT NULL DEFAULT 0,
		max_bad   INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (received, idx)
	) WITHOUT ROWID;`,

		// 4: who has read which received fax (inbox.go), and the attempt
		// a user asked for with "retry now", which does not count against
		// the job's automatic attempts (jobs.go).
		`CREATE TABLE store_received_reads (
		received INTEGER NOT NULL REFERENCES store_received(id) ON DELETE CASCADE,
		user     INTEGER NOT NULL REFERENCES store_users(id) ON DELETE CASCADE,
		read_at  INTEGER NOT NULL,
		PRIMARY KEY (received, user)
	) WITHOUT ROWID;
	ALTER TABLE store_jobs ADD COLUMN manual_retry INTEGER NOT NULL DEFAULT 0;`,

		// 5: the resolution a message is sent at (messages before it were
		// all sent at standard), and per attempt the lowest resolution
		// negotiated and how many pages had their rows merged because the
		// receiver lacked the page's resolution (T.30 Table 2); per
		// recipient the estimate shown when the message was sent; the
		// progress within the page being sent.
		`ALTER TABLE store_messages ADD COLUMN resolution TEXT NOT NULL DEFAULT 'standard'
		CHECK (resolution IN ('standard', 'fine', 'superfine'));
	ALTER TABLE store_attempts ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
	ALTER TABLE store_attempts ADD COLUMN merged_pages INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE store_recipients ADD COLUMN estimate INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE store_recipients ADD COLUMN estimate_ms INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE store_attempts ADD COLUMN page_in_progress INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE store_attempts ADD COLUMN page_sent INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE store_attempts ADD COLUMN page_bytes INTEGER NOT NULL DEFAULT 0;`,

		// 6: per destination, the best resolution its fax machine
		// announced in the DIS of the last call that heard one (T.30
		// Table 2, bits 15 and 41); '' when none did.
		`ALTER TABLE store_destinations ADD COLUMN receiver_resolution TEXT NOT NULL DEFAULT ''
		CHECK (receiver_resolution IN ('', 'standard', 'fine', 'superfine'));`,
	}
}
