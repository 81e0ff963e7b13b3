// Package backup writes and restores Faxbox backups: one .tar.gz holding
// a consistent copy of the data directory (the database, the pages of
// sent and received faxes, the call traces, the self-signed certificate),
// the configuration file and the files it names (TLS certificate and
// key, API token, SMTP password, tariff), and a manifest.json that lists
// every file with its size and SHA-256 beside faxd's version and the
// database's schema versions.
//
// [Write] takes the backup while the daemon runs: the database through
// SQLite's VACUUM INTO (a transactionally consistent copy, also from
// another process on the same file: the write-ahead log isolates it),
// then every file that copy refers to, hard-linked (or copied) aside at
// once so that housekeeping cannot remove it before it is archived, then
// the rest of the data directory as it is. A file written after the
// snapshot may be in the archive or not; one the snapshot refers to is
// always there.
//
// [Stage] reads an archive into a directory beside the data directory,
// checks it against its manifest (every byte, before anything else is
// touched), refuses a database of a newer schema than this faxd knows and
// migrates an older one. [Apply] then swaps the staged directory in with
// renames, keeping the previous data directory as DATA.before-restore.
// [Restore] does both for `faxd restore`, which refuses to run while a
// daemon serves the data directory ([Running]).
//
// The package does not decide when a backup is taken or where it is kept,
// and it restarts nothing: the appliance and package main do.
package backup
