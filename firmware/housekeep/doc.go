// Package housekeep keeps the appliance's data directory within bounds
// and says how full it is.
//
// It provides a Keeper whose Run, once at start and then every hour:
//
//   - deletes the sent messages finished more than retention.sent_days
//     ago and the faxes received more than retention.received_days ago,
//     with their files (store.Store.Purge);
//   - removes orphan files that a crash left in the store's directories
//     (store.Store.Sweep);
//   - removes the users' drafts of Compose untouched for more than
//     retention.sent_days, and those of users the store does not know
//     (store.Store.PurgeDrafts);
//   - measures the space the faxes, traces and database take
//     (store.Store.DiskUsage) against retention.disk_limit and the file
//     system's size and free space, and while the faxes take more than
//     the limit, deletes the oldest finished items first, one by one;
//   - keeps what it found in a Status (bytes by category, limit, free
//     space, a nearly-full flag for the front panel's LED, problems in
//     plain words, the last run and its error) for the API, /metrics and
//     the LEDs.
//
// A failing step (a database that cannot be read, a file that cannot be
// removed, a full disk) is logged and kept in Status.Err; the Keeper goes
// on with the other steps and runs again an hour later.
//
// The package never deletes a message with a job that is not final nor
// a fax being received (the store refuses to), never touches the billing
// ledger (money records are kept for ever), and does not decide what a
// full disk means for taking new faxes: callers read Status.
package housekeep
