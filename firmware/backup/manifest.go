package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/contacts"
	"faxbox/firmware/mailgw"
	"faxbox/firmware/notify"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
)

// Format is the version of the archive layout this package writes and
// reads; an archive of a later format is refused.
const Format = 1

// Names inside the archive.
const (
	// ManifestName is the manifest, the archive's last entry.
	ManifestName = "manifest.json"
	// DataPrefix is the folder of the data directory's files; the
	// database is DataPrefix + DatabaseName.
	DataPrefix = "data/"
	// DatabaseName is the database file in the data directory.
	DatabaseName = "faxbox.db"
	// ConfigPrefix is the folder of the configuration file and the files
	// it names.
	ConfigPrefix = "config/"
	// BackupsDir is the data directory's folder where the console keeps
	// the backups it writes; backups leave it out.
	BackupsDir = "backups"
)

// Manifest describes an archive.
type Manifest struct {
	Format int `json:"format"`
	// Version is faxd's that wrote the archive.
	Version string    `json:"version"`
	Created time.Time `json:"created"`
	// Schema is the database's schema version of each owner of tables
	// (the version table's name, "store_schema"...): 0 for tables made
	// before their owner kept a version.
	Schema map[string]int `json:"schema"`
	Files  []File         `json:"files"`
	// Missing lists the files (data directory paths) that the database
	// refers to but the data directory did not have when the backup was
	// taken: they were lost before it, not by it.
	Missing []string `json:"missing,omitempty"`
}

// File is one file of the archive.
type File struct {
	// Name is the entry's name in the archive: DataPrefix + the path in
	// the data directory, or ConfigPrefix + a name for a file outside it.
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Role says what a file under ConfigPrefix is (RoleConfig,
	// RoleTLSCert...); Origin is where it was.
	Role   string `json:"role,omitempty"`
	Origin string `json:"origin,omitempty"`
}

// The roles of the files outside the data directory.
const (
	RoleConfig   = "config"        // the configuration file
	RoleTLSCert  = "web.tls_cert"  // the web server's certificate
	RoleTLSKey   = "web.tls_key"   // its private key
	RoleAPIToken = "web.api_token" // web.api_token_file
	RoleSMTPPass = "smtp.password" // smtp.password_file
	RoleTariff   = "billing.tariff"
)

// Errors that callers branch on.
var (
	// ErrSchemaTooNew: the archive's database was written by a newer
	// Faxbox; restoring it would lose what this one does not know.
	ErrSchemaTooNew = errors.New("backup: the archive's database is newer than this faxd")
	// ErrCorrupt: the archive is not a complete, intact Faxbox backup
	// (truncated, not gzip or tar, a checksum or size that differs from the
	// manifest, a file missing or not listed).
	ErrCorrupt = errors.New("backup: the archive is damaged")
	// ErrRunning: a daemon serves the data directory.
	ErrRunning = errors.New("backup: faxd is running on the data directory")
)

// owner is one package's tables: its version table and the schema
// version this faxd migrates them to.
type owner struct {
	table string
	known func() int
}

// owners are the packages whose tables are in the database.
func owners() []owner {
	return []owner{
		{"store_schema", store.SchemaVersion},
		{"ledger_schema", billing.SchemaVersion},
		{"users_schema", users.SchemaVersion},
		{"contacts_schema", contacts.SchemaVersion},
		{"mailgw_schema", mailgw.SchemaVersion},
		{"notify_schema", notify.SchemaVersion},
	}
}

// KnownSchema returns the schema versions this faxd writes.
func KnownSchema() map[string]int {
	m := map[string]int{}
	for _, o := range owners() {
		m[o.table] = o.known()
	}
	return m
}

// schemaOf reads the schema version of every owner from db; a version
// table that does not exist (tables made before it) reads 0.
func schemaOf(ctx context.Context, db *sql.DB) (map[string]int, error) {
	m := map[string]int{}
	for _, o := range owners() {
		var v int
		err := db.QueryRowContext(ctx, "SELECT version FROM "+o.table+" WHERE id = 1").Scan(&v)
		if err != nil && !errors.Is(err, sql.ErrNoRows) && !strings.Contains(err.Error(), "no such table") {
			return nil, fmt.Errorf("backup: schema version %s: %w", o.table, err)
		}
		m[o.table] = v
	}
	return m, nil
}

// checkSchema refuses a schema newer than this faxd knows.
func checkSchema(have map[string]int) error {
	var newer []string
	for _, o := range owners() {
		if v := have[o.table]; v > o.known() {
			newer = append(newer, fmt.Sprintf("%s %d (this faxd knows %d)", o.table, v, o.known()))
		}
	}
	if len(newer) > 0 {
		return fmt.Errorf("%w: %s; install the faxd that wrote it, or a later one", ErrSchemaTooNew, strings.Join(newer, ", "))
	}
	return nil
}
