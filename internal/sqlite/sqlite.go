// Package sqlite is OS1's embedded store: the os1 service interfaces on
// SQLite (modernc.org/sqlite, pure Go), in WAL mode with foreign keys on.
//
// One connection writes and several read, so readers never wait for a
// writer and writes are serialised without "database is locked" errors.
// Every write commits before its method returns, with synchronous=FULL, so a
// write that returned survives a crash of the process or of the machine.
//
// The schema is a list of numbered SQL files embedded from migration/,
// applied in order at Open, each in its own transaction, and recorded in the
// migrations table. Open refuses a database that holds a migration this
// binary does not know (it was written by a newer version).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"os1/internal/os1"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migration/*.sql
var migrationFS embed.FS

// timeFormat is how times are stored: fixed width, so text order is time order.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// DB is an open OS1 database.
type DB struct {
	write *sql.DB // exactly one connection
	read  *sql.DB // a small pool, query_only
	path  string

	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// Options tune Open.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: "FULL" (default; every
	// commit is on disk before it returns) or "NORMAL" (faster; a commit may
	// be lost on power loss, never on a process crash).
	Synchronous string
	// ReadConns is the size of the reader pool (default: 2×CPUs, at least 4).
	ReadConns int
}

// Open opens (creating if needed) the database at path and brings its
// schema up to date. The special path ":memory:" is not supported, since
// readers and the writer must share a file; tests use a temporary file.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("open database: a file path is required")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	sync := strings.ToUpper(opts.Synchronous)
	if sync == "" {
		sync = "FULL"
	}
	if sync != "FULL" && sync != "NORMAL" {
		return nil, fmt.Errorf("open database: synchronous must be FULL or NORMAL, not %q", opts.Synchronous)
	}
	pragmas := []string{"busy_timeout(10000)", "foreign_keys(1)", "journal_mode(WAL)", "synchronous(" + sync + ")", "secure_delete(1)"}
	dsn := func(extra ...string) string {
		v := url.Values{}
		for _, p := range append(pragmas, extra...) {
			v.Add("_pragma", p)
		}
		v.Set("_txlock", "immediate")
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
	}
	db := &DB{path: path, Now: time.Now}
	var err error
	if db.write, err = sql.Open("sqlite", dsn()); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetConnMaxIdleTime(0)
	if err := db.write.PingContext(ctx); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.write.Close()
		return nil, err
	}
	if db.read, err = sql.Open("sqlite", dsn("query_only(1)")); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	n := opts.ReadConns
	if n <= 0 {
		n = max(4, 2*runtime.NumCPU())
	}
	db.read.SetMaxOpenConns(n)
	db.read.SetMaxIdleConns(n)
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	return errors.Join(db.read.Close(), db.write.Close())
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Ping checks that the database answers (used by /readyz).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

// Backup writes a consistent copy of the live database to path with
// VACUUM INTO. It works while the server runs; path must not exist.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return os1.Errorf(os1.ECONFLICT, "%s already exists; choose a new file name", path)
	}
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// Migrations returns the names of the embedded migrations, in order.
func Migrations() []string {
	names, _ := fs.Glob(migrationFS, "migration/*.sql")
	sort.Strings(names)
	for i := range names {
		names[i] = filepath.Base(names[i])
	}
	return names
}

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	applied := map[string]bool{}
	rows, err := db.write.QueryContext(ctx, `SELECT name FROM migrations`)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("read migrations: %w", err)
		}
		applied[name] = true
	}
	rows.Close()
	known := Migrations()
	for name := range applied {
		if !contains(known, name) {
			return fmt.Errorf("database schema has migration %s, which this os1 does not know: the database was written by a newer version; upgrade os1", name)
		}
	}
	for _, name := range known {
		if applied[name] {
			continue
		}
		if err := db.migrateFile(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (db *DB) migrateFile(ctx context.Context, name string) error {
	body, err := migrationFS.ReadFile("migration/" + name)
	if err != nil {
		return fmt.Errorf("read migration %s: %w", name, err)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration %s: %w", name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("apply migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied_at) VALUES (?, ?)`, name, formatTime(time.Now())); err != nil {
		return fmt.Errorf("record migration %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration %s: %w", name, err)
	}
	return nil
}

// WriteTx runs fn in a write transaction and commits it when fn returns nil.
// Other packages' stores built on this DB use it for their own tables.
func (db *DB) WriteTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Reader returns the read-only connection pool.
func (db *DB) Reader() *sql.DB { return db.read }

// now returns the current time in UTC, truncated to microseconds as stored.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// formatTime formats t for storage.
func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// FormatTime formats t as the store keeps times (exported for stores of other
// packages that share this database).
func FormatTime(t time.Time) string { return formatTime(t) }

// ParseTime parses a stored time; the zero time for "".
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time %q: %w", s, err)
	}
	return t, nil
}

// parseTime parses a stored time, treating a malformed one as zero.
func parseTime(s string) time.Time {
	t, _ := ParseTime(s)
	return t
}
