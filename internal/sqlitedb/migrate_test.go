package sqlitedb

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

var errTooNew = errors.New("too new")

// TestAdopt: tables made before their owner kept a version table are
// adopted at the version the legacy query gives, and migrated on from
// there without their first step running again; a recorded version is
// left alone.
func TestAdopt(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t (x); INSERT INTO t VALUES (1); PRAGMA user_version = 1`); err != nil {
		t.Fatal(err)
	}
	steps := []string{`CREATE TABLE t (x)`, `ALTER TABLE t RENAME TO owner_t`}
	for range 2 {
		if err := Adopt(ctx, db, "owner_schema", "PRAGMA user_version"); err != nil {
			t.Fatal(err)
		}
		if err := Migrate(ctx, db, "owner_schema", steps, errTooNew); err != nil {
			t.Fatal(err)
		}
	}
	var n, v int
	if err := db.QueryRow(`SELECT COUNT(*) FROM owner_t`).Scan(&n); err != nil || n != 1 {
		t.Errorf("owner_t: %d rows, %v", n, err)
	}
	if err := db.QueryRow(`SELECT version FROM owner_schema`).Scan(&v); err != nil || v != 2 {
		t.Errorf("version %d, %v", v, err)
	}
	// Once recorded, the legacy version no longer counts.
	if _, err := db.Exec(`PRAGMA user_version = 7`); err != nil {
		t.Fatal(err)
	}
	if err := Adopt(ctx, db, "owner_schema", "PRAGMA user_version"); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, db, "owner_schema", steps, errTooNew); err != nil {
		t.Errorf("after a later legacy version: %v", err)
	}
}

// TestAdoptNew: a new database (legacy version 0) gets every step.
func TestAdoptNew(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := Adopt(ctx, db, "owner_schema", "PRAGMA user_version"); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, db, "owner_schema", []string{`CREATE TABLE t (x)`, `ALTER TABLE t RENAME TO owner_t`}, errTooNew); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO owner_t VALUES (1)`); err != nil {
		t.Error(err)
	}
}

// TestUse: a given handle is used and left open by its release; without
// one the file is opened and release closes it.
func TestUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	own, release, err := Use(nil, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := own.Ping(); err == nil {
		t.Error("the handle Use opened is still open after release")
	}
	given, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer given.Close()
	h, release, err := Use(given, "")
	if err != nil || h != given {
		t.Fatalf("Use(given): %v %v", h, err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := given.Ping(); err != nil {
		t.Errorf("release closed a given handle: %v", err)
	}
}
