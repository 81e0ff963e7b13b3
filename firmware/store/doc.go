// Package store keeps the durable state of Faxbox's outgoing messages and
// fax jobs, and of received faxes, in SQLite.
//
// It provides:
//
//   - Open: one SQLite file (modernc.org/sqlite, pure Go) in WAL mode with
//     foreign keys, every write a BEGIN IMMEDIATE transaction, and numbered
//     schema migrations in the code. Tables are prefixed "store_" and the
//     schema version is kept in the store_schema table (sqlitedb.Migrate),
//     as every other owner of tables in the one database file keeps its
//     own.
//   - Messages (CreateMessage, ListMessages, GetMessage): a sender, a
//     subject, a body and To, Cc and Bcc recipients in E.164, each
//     recipient with one Job and its own copy of the pages, created in one
//     transaction.
//   - Jobs and attempts: NextJob claims the next due job, StartAttempt,
//     RecordConnected, RecordPageConfirmed and FinishAttempt record a call
//     as it happens, CancelJob and RetryNow act for users. Each is one
//     transaction committed before the caller acts on it, and each refuses
//     an illegal state change with a TransitionError.
//   - Recover: after a crash or power cut, closes the attempts that were
//     in progress as "interrupted" and requeues their jobs, keeping the
//     pages already confirmed so that a retry sends only the rest.
//   - Destinations (RecordCall, Destination, Destinations): per number
//     called, the counts and last outcome of its calls, what worked (rate,
//     ECM, coding) and the training and ECM failures, for the daemon to
//     start the next call from and for the UI to show.
//   - Traces: the path of each attempt's trace file (RecordTrace,
//     Attempt.TracePath, GetAttempt).
//   - Received faxes page by page (StartReceived, AddReceivedPage with
//     an events.KindReceivedPage event each, FinishReceived with events.KindReceived,
//     RecoverReceived after a crash; ListInbox by the user a fax is
//     routed to).
//   - Page files (Pages), received faxes (AddReceived,
//     ListReceived, GetReceived) and an append-only event log with a
//     monotonic sequence number for the web UI's resumable event stream
//     (AppendEvent, EventsSince, Changed). Every job transition appends its
//     event in the same transaction.
//   - WriteFile: an atomic file write (temporary file in the same
//     directory, fsync, rename, fsync of the directory) for attachments,
//     pages and archives kept beside the database.
//
// Records are stamped with the wall clock only once it is plausible (2024
// or later); until then writes fail with ErrClockNotSet, as in package
// billing.
//
// The package does not schedule (it does not decide when to retry or
// which modem to use: the caller passes the retry time and the modem
// name), does not talk to modems, does not render or price pages (see
// package billing), and does not serve HTTP or websockets.
package store
