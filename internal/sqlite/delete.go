package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// DeleteUser deletes everything of one person and makes sure none of it
// stays in the database files:
//
//  1. In one transaction (foreign keys checked at its end), every row of
//     theirs goes: in every table that has a user_id column or a column
//     that references users, found through sqlite_master, so tables added
//     by later migrations are included; then their users row.
//  2. Full-text indexes are purged: an index over a content table is
//     rebuilt from it, one with its own user_id column loses their rows,
//     and every index is then optimised, so no deleted term stays in an
//     old segment.
//  3. secure_delete (on for every connection of this store) has zeroed
//     the freed space; the WAL is checkpointed and truncated, the file is
//     rebuilt with VACUUM, and the WAL is checkpointed and truncated again.
//
// It returns the number of rows deleted (not counting cascades). Deleting
// a person who does not exist deletes nothing and is not an error.
func (db *DB) DeleteUser(ctx context.Context, userID int64) (int64, error) {
	var total int64
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
			return fmt.Errorf("defer foreign keys: %w", err)
		}
		tables, err := listTables(ctx, tx)
		if err != nil {
			return err
		}
		for _, t := range tables {
			if t.virtual || t.shadow || t.name == "users" {
				continue
			}
			for _, col := range t.userCols {
				res, err := tx.ExecContext(ctx, `DELETE FROM `+quoteIdent(t.name)+` WHERE `+quoteIdent(col)+` = ?`, userID)
				if err != nil {
					return fmt.Errorf("delete from %s: %w", t.name, err)
				}
				n, _ := res.RowsAffected()
				total += n
			}
		}
		// Full-text tables with their own content and a user_id column.
		for _, t := range tables {
			if !t.virtual || len(t.userCols) == 0 {
				continue
			}
			for _, col := range t.userCols {
				res, err := tx.ExecContext(ctx, `DELETE FROM `+quoteIdent(t.name)+` WHERE `+quoteIdent(col)+` = ?`, userID)
				if err != nil {
					return fmt.Errorf("delete from %s: %w", t.name, err)
				}
				n, _ := res.RowsAffected()
				total += n
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, userID)
		if err != nil {
			return fmt.Errorf("delete user: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		// Purge deleted terms from every full-text index.
		for _, t := range tables {
			if !t.fts5 {
				continue
			}
			if t.externalContent {
				if _, err := tx.ExecContext(ctx, `INSERT INTO `+quoteIdent(t.name)+` (`+quoteIdent(t.name)+`) VALUES ('rebuild')`); err != nil {
					return fmt.Errorf("rebuild %s: %w", t.name, err)
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+quoteIdent(t.name)+` (`+quoteIdent(t.name)+`) VALUES ('optimize')`); err != nil {
				return fmt.Errorf("optimize %s: %w", t.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := db.Compact(ctx); err != nil {
		return total, err
	}
	return total, nil
}

// Compact rewrites the database so that deleted data is gone from its files:
// a WAL checkpoint that truncates the log, VACUUM, and another truncating
// checkpoint. Readers in progress may delay it; it retries briefly.
func (db *DB) Compact(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("secure delete: %w", err)
	}
	if err := db.checkpoint(ctx); err != nil {
		return err
	}
	if _, err := db.write.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	return db.checkpoint(ctx)
}

// checkpoint copies the WAL into the database and truncates it to zero
// bytes, retrying while readers hold old snapshots.
func (db *DB) checkpoint(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		var busy, logFrames, done int
		if err := db.write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if busy == 0 {
			return nil
		}
		if attempt >= 50 {
			return fmt.Errorf("checkpoint: readers kept the log busy; deleted data may remain in the -wal file until the next checkpoint")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timeAfter(attempt):
		}
	}
}

// tableInfo describes a table for DeleteUser.
type tableInfo struct {
	name            string
	virtual         bool
	fts5            bool
	externalContent bool // fts5 over a content table (content=...)
	shadow          bool // a virtual table's own storage
	userCols        []string
}

var (
	ftsContentRe = regexp.MustCompile(`(?i)content\s*=\s*(?:'([^']*)'|"([^"]*)"|([A-Za-z0-9_]+))`)
)

// listTables lists the schema's tables with the columns that name a user.
func listTables(ctx context.Context, tx *sql.Tx) ([]tableInfo, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var tables []tableInfo
	for rows.Next() {
		var t tableInfo
		var ddl string
		if err := rows.Scan(&t.name, &ddl); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list tables: %w", err)
		}
		upper := strings.ToUpper(ddl)
		t.virtual = strings.HasPrefix(upper, "CREATE VIRTUAL TABLE")
		if t.virtual && strings.Contains(upper, "USING FTS5") {
			t.fts5 = true
			if m := ftsContentRe.FindStringSubmatch(ddl); m != nil && m[1]+m[2]+m[3] != "" {
				t.externalContent = true
			}
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	for i := range tables {
		for _, v := range tables {
			if v.virtual && strings.HasPrefix(tables[i].name, v.name+"_") {
				tables[i].shadow = true
			}
		}
	}
	for i := range tables {
		t := &tables[i]
		if t.shadow {
			continue
		}
		cols := map[string]bool{}
		crs, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, t.name)
		if err != nil {
			return nil, fmt.Errorf("columns of %s: %w", t.name, err)
		}
		for crs.Next() {
			var c string
			if err := crs.Scan(&c); err != nil {
				crs.Close()
				return nil, fmt.Errorf("columns of %s: %w", t.name, err)
			}
			if strings.EqualFold(c, "user_id") {
				cols[c] = true
			}
		}
		crs.Close()
		if !t.virtual {
			frs, err := tx.QueryContext(ctx, `SELECT "from", "table", coalesce("to", '') FROM pragma_foreign_key_list(?)`, t.name)
			if err != nil {
				return nil, fmt.Errorf("foreign keys of %s: %w", t.name, err)
			}
			for frs.Next() {
				var from, target, to string
				if err := frs.Scan(&from, &target, &to); err != nil {
					frs.Close()
					return nil, fmt.Errorf("foreign keys of %s: %w", t.name, err)
				}
				if strings.EqualFold(target, "users") && (to == "" || strings.EqualFold(to, "id")) {
					cols[from] = true
				}
			}
			frs.Close()
		}
		for c := range cols {
			t.userCols = append(t.userCols, c)
		}
	}
	return tables, nil
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// timeAfter waits a little before a checkpoint is tried again.
func timeAfter(attempt int) <-chan time.Time {
	return time.After(time.Duration(10+attempt*5) * time.Millisecond)
}
