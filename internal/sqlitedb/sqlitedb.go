// Package sqlitedb opens Faxbox's SQLite databases, all the same way,
// with the pure-Go driver modernc.org/sqlite: write-ahead log, foreign
// keys, transactions that take the write lock when they begin (so that a
// check and the write it allows cannot be split by another writer), a
// busy timeout, and full fsync at each commit (a power cut loses no
// committed record). It does not know any schema.
package sqlitedb

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"modernc.org/sqlite" // pure-Go SQLite driver "sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Open opens (creating if needed) the database file at path. A new file
// is made with mode 0600 before SQLite opens it: SQLite gives its
// write-ahead log and shared-memory files the database file's mode, so
// they are private too.
func Open(path string) (*sql.DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlitedb: bad database path %q", path)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600) // an empty file is an empty database
	if err != nil {
		return nil, fmt.Errorf("sqlitedb: %w", err)
	}
	f.Close()
	dsn := "file:" + path + "?_txlock=immediate" +
		"&_pragma=busy_timeout(15000)&_pragma=foreign_keys(1)" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	return sql.Open("sqlite", dsn)
}

// Damaged reports whether err says that the database file is not an
// SQLite database or is corrupt (SQLITE_NOTADB, SQLITE_CORRUPT): a file
// that no retry will fix.
func Damaged(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return true
	}
	return false
}

// Use returns db when it is not nil, with a release that leaves it open
// (the caller that opened it closes it); else it opens the file at path,
// with a release that closes it.
func Use(db *sql.DB, path string) (h *sql.DB, release func() error, err error) {
	if db != nil {
		return db, func() error { return nil }, nil
	}
	if db, err = Open(path); err != nil {
		return nil, nil, err
	}
	return db, db.Close, nil
}
