package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"os1/internal/os1"
)

// This file is the memory's store: the episodic index over turns (with an
// FTS5 full-text index), facts, people, summaries and reflections, and the
// persisted job queue. Every method is scoped by user id.

// The hot statements of ingestion.
const (
	qInsertTurn  = `INSERT INTO memory_turns (message_id, user_id, conversation_id, role, speaker, text, session, said_at, importance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qFindDupFact = `SELECT id, confidence, sources FROM memory_facts WHERE user_id = ? AND norm = ? AND holds_until = '' ORDER BY id DESC LIMIT 1`
	qInsertFact  = `INSERT INTO memory_facts (user_id, subject, slot, statement, norm, said_at, holds_from, holds_until, importance, confidence, origin, sources, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qFindPerson   = `SELECT id, relation, sources, mentions, first_mentioned FROM memory_people WHERE user_id = ? AND name = ?`
	qInsertPerson = `INSERT INTO memory_people (user_id, name, relation, first_mentioned, last_mentioned, mentions, sources) VALUES (?, ?, ?, ?, ?, ?, ?)`
	qUpdatePerson = `UPDATE memory_people SET relation = ?, last_mentioned = max(last_mentioned, ?), mentions = ?, sources = ? WHERE id = ?`
)

// memStmts caches the prepared statements of the memory's hot path, per
// open database (preparing a statement costs more than running it).
var memStmts sync.Map // *DB → *sync.Map of query → *sql.Stmt

// prepareHot prepares the memory's hot statements on the writer, once. It
// must be called outside a transaction: the writer has one connection.
func (db *DB) prepareHot(ctx context.Context) {
	m, _ := memStmts.LoadOrStore(db, &sync.Map{})
	cache := m.(*sync.Map)
	if _, ok := cache.Load(qInsertTurn); ok {
		return
	}
	for _, q := range []string{qInsertTurn, qFindDupFact, qInsertFact, qFindPerson, qInsertPerson, qUpdatePerson} {
		st, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			return // the statements run unprepared
		}
		cache.Store(q, st)
	}
}

// stmt returns the prepared form of query for use in tx, or nil.
func (db *DB) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	m, ok := memStmts.Load(db)
	if !ok {
		return nil
	}
	st, ok := m.(*sync.Map).Load(query)
	if !ok {
		return nil
	}
	return tx.StmtContext(ctx, st.(*sql.Stmt))
}

func (db *DB) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := db.stmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

func (db *DB) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := db.stmt(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

func encodeIDs(ids []int64) string {
	if len(ids) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

func decodeIDs(s string) []int64 {
	var ids []int64
	_ = json.Unmarshal([]byte(s), &ids)
	return ids
}

func mergeIDs(a, b []int64, limit int) []int64 {
	seen := make(map[int64]bool, len(a)+len(b))
	out := make([]int64, 0, len(a)+len(b))
	for _, list := range [][]int64{a, b} {
		for _, id := range list {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out
}

func fmtOptTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

// NormalizeStatement is the form under which two fact statements count as
// duplicates: lower case, words only, single spaces.
func NormalizeStatement(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}

// IngestTurn stores one indexed turn with what was extracted from it, in one
// transaction, and sets the facts' and people's IDs. A new fact with a Slot
// retires the current facts of the same subject and slot with a different
// statement; a fact equal to a current one merges into it. With in.Reflect
// it queues a reflection job over the turns after in.ReflectAfter up to
// this one.
func (db *DB) IngestTurn(ctx context.Context, in *os1.TurnIngest) error {
	t := &in.Turn
	if t.MessageID == 0 || t.UserID == 0 {
		return os1.Errorf(os1.EINVALID, "turn needs a message and a user")
	}
	if t.Session == 0 {
		t.Session = t.MessageID
	}
	db.prepareHot(ctx)
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.txExec(ctx, tx, qInsertTurn,
			t.MessageID, t.UserID, t.ConversationID, t.Role, t.Speaker, t.Text, t.Session, formatTime(t.SaidAt), t.Importance); err != nil {
			return fmt.Errorf("index turn: %w", err)
		}
		in.Retired = in.Retired[:0]
		for _, f := range in.Facts {
			f.UserID = t.UserID
			retired, err := db.saveFact(ctx, tx, f)
			if err != nil {
				return err
			}
			in.Retired = append(in.Retired, retired...)
		}
		for _, p := range in.People {
			p.UserID = t.UserID
			if err := db.upsertPerson(ctx, tx, p); err != nil {
				return err
			}
		}
		for _, j := range in.Jobs {
			if err := enqueue(ctx, tx, j.Kind, t.UserID, fmt.Sprintf("%d", t.MessageID), j.Payload, db.now()); err != nil {
				return err
			}
		}
		if in.Reflect {
			payload := fmt.Sprintf(`{"after":%d,"upto":%d}`, in.ReflectAfter, t.MessageID)
			if err := enqueue(ctx, tx, "reflect", t.UserID, fmt.Sprintf("%d:%d", t.UserID, t.MessageID), payload, db.now()); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO memory_state (user_id, last_message_id) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET last_message_id = excluded.last_message_id`,
				t.UserID, t.MessageID); err != nil {
				return fmt.Errorf("update memory state: %w", err)
			}
		}
		return nil
	})
}

// ReflectedUpTo returns the newest message id a reflection job of the
// user's covers (0 if none).
func (db *DB) ReflectedUpTo(ctx context.Context, userID int64) (int64, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT last_message_id FROM memory_state WHERE user_id = ?`, userID).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("read memory state: %w", err)
	}
	return id, nil
}

// saveFact inserts f, merging it into a current duplicate or retiring the
// current facts it contradicts; it returns the ids of the facts retired.
func (db *DB) saveFact(ctx context.Context, tx *sql.Tx, f *os1.Fact) ([]int64, error) {
	now := db.now()
	norm := NormalizeStatement(f.Subject + " " + f.Statement)
	if f.SaidAt.IsZero() {
		f.SaidAt = now
	}
	if f.Origin == "" {
		f.Origin = "rule"
	}
	var id int64
	var conf float64
	var src string
	err := db.txQueryRow(ctx, tx, qFindDupFact, f.UserID, norm).Scan(&id, &conf, &src)
	if err == nil {
		// A duplicate: merge.
		f.ID = id
		f.Sources = mergeIDs(decodeIDs(src), f.Sources, 50)
		f.Confidence = min(1, max(conf, f.Confidence)+0.1)
		if _, err := tx.ExecContext(ctx, `UPDATE memory_facts SET sources = ?, confidence = ?, importance = max(importance, ?), updated_at = ? WHERE id = ?`,
			encodeIDs(f.Sources), f.Confidence, f.Importance, formatTime(now), id); err != nil {
			return nil, fmt.Errorf("merge fact: %w", err)
		}
		return nil, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find duplicate fact: %w", err)
	}
	res, err := db.txExec(ctx, tx, qInsertFact,
		f.UserID, f.Subject, f.Slot, f.Statement, norm, formatTime(f.SaidAt), fmtOptTime(f.HoldsFrom), fmtOptTime(f.HoldsUntil), f.Importance, f.Confidence, f.Origin, encodeIDs(f.Sources), formatTime(now), formatTime(now))
	if err != nil {
		return nil, fmt.Errorf("insert fact: %w", err)
	}
	f.ID, _ = res.LastInsertId()
	f.CreatedAt, f.UpdatedAt = now, now
	if f.Slot != "" && f.HoldsUntil.IsZero() {
		// A contradiction retires the older current facts of the same slot.
		until := f.HoldsFrom
		if until.IsZero() {
			until = f.SaidAt
		}
		rows, err := tx.QueryContext(ctx, `UPDATE memory_facts SET holds_until = ?, replaced_by = ?, updated_at = ? WHERE user_id = ? AND subject = ? AND slot = ? AND holds_until = '' AND id <> ? RETURNING id`,
			formatTime(until), f.ID, formatTime(now), f.UserID, f.Subject, f.Slot, f.ID)
		if err != nil {
			return nil, fmt.Errorf("retire contradicted facts: %w", err)
		}
		defer rows.Close()
		var retired []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, fmt.Errorf("retire contradicted facts: %w", err)
			}
			retired = append(retired, id)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("retire contradicted facts: %w", err)
		}
		return retired, nil
	}
	return nil, nil
}

func (db *DB) upsertPerson(ctx context.Context, tx *sql.Tx, p *os1.Person) error {
	var id int64
	var relation, src, first string
	var mentions int
	err := db.txQueryRow(ctx, tx, qFindPerson, p.UserID, p.Name).Scan(&id, &relation, &src, &mentions, &first)
	if errors.Is(err, sql.ErrNoRows) {
		p.Mentions = max(p.Mentions, 1)
		p.FirstMentioned = p.LastMentioned
		res, err := db.txExec(ctx, tx, qInsertPerson,
			p.UserID, p.Name, p.Relation, formatTime(p.FirstMentioned), formatTime(p.LastMentioned), p.Mentions, encodeIDs(p.Sources))
		if err != nil {
			return fmt.Errorf("insert person: %w", err)
		}
		p.ID, _ = res.LastInsertId()
		return nil
	} else if err != nil {
		return fmt.Errorf("find person: %w", err)
	}
	p.ID = id
	if p.Relation == "" {
		p.Relation = relation
	}
	p.Mentions = mentions + 1
	p.FirstMentioned = parseTime(first)
	p.Sources = mergeIDs(decodeIDs(src), p.Sources, 20)
	if _, err := db.txExec(ctx, tx, qUpdatePerson,
		p.Relation, formatTime(p.LastMentioned), p.Mentions, encodeIDs(p.Sources), id); err != nil {
		return fmt.Errorf("update person: %w", err)
	}
	return nil
}

// MemoryTurns returns the user's indexed turns with a message id above
// afterID, oldest first.
func (db *DB) MemoryTurns(ctx context.Context, userID, afterID int64) ([]os1.Turn, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT message_id, conversation_id, role, speaker, text, session, said_at, importance FROM memory_turns WHERE user_id = ? AND message_id > ? ORDER BY message_id`, userID, afterID)
	if err != nil {
		return nil, fmt.Errorf("list memory turns: %w", err)
	}
	defer rows.Close()
	var list []os1.Turn
	for rows.Next() {
		t := os1.Turn{UserID: userID}
		var at string
		if err := rows.Scan(&t.MessageID, &t.ConversationID, &t.Role, &t.Speaker, &t.Text, &t.Session, &at, &t.Importance); err != nil {
			return nil, fmt.Errorf("list memory turns: %w", err)
		}
		t.SaidAt = parseTime(at)
		list = append(list, t)
	}
	return list, rows.Err()
}

// SearchTurns runs a full-text (FTS5, BM25) search over the user's turns and
// returns up to limit message ids with their scores, best first. The query
// is taken as words, not as FTS5 syntax.
func (db *DB) SearchTurns(ctx context.Context, userID int64, query string, limit int) ([]int64, []float64, error) {
	var terms []string
	for _, w := range strings.FieldsFunc(query, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127)
	}) {
		terms = append(terms, `"`+w+`"`)
	}
	if len(terms) == 0 {
		return nil, nil, nil
	}
	if limit <= 0 {
		limit = 20
	}
	rows, err := db.read.QueryContext(ctx, `SELECT f.rowid, bm25(memory_turns_fts) FROM memory_turns_fts f JOIN memory_turns t ON t.message_id = f.rowid
		WHERE memory_turns_fts MATCH ? AND t.user_id = ? ORDER BY bm25(memory_turns_fts) LIMIT ?`, strings.Join(terms, " OR "), userID, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("search turns: %w", err)
	}
	defer rows.Close()
	var ids []int64
	var scores []float64
	for rows.Next() {
		var id int64
		var s float64
		if err := rows.Scan(&id, &s); err != nil {
			return nil, nil, fmt.Errorf("search turns: %w", err)
		}
		ids, scores = append(ids, id), append(scores, -s)
	}
	return ids, scores, rows.Err()
}

const factColumns = `id, user_id, subject, slot, statement, said_at, holds_from, holds_until, importance, confidence, origin, coalesce(replaced_by, 0), sources, created_at, updated_at`

func scanFact(row interface{ Scan(...any) error }) (*os1.Fact, error) {
	var f os1.Fact
	var said, from, until, src, created, updated string
	if err := row.Scan(&f.ID, &f.UserID, &f.Subject, &f.Slot, &f.Statement, &said, &from, &until, &f.Importance, &f.Confidence, &f.Origin, &f.ReplacedBy, &src, &created, &updated); err != nil {
		return nil, err
	}
	f.SaidAt, f.HoldsFrom, f.HoldsUntil = parseTime(said), parseTime(from), parseTime(until)
	f.CreatedAt, f.UpdatedAt = parseTime(created), parseTime(updated)
	f.Sources = decodeIDs(src)
	return &f, nil
}

// Facts returns the user's facts, oldest first; retired ones only when
// withHistory is set.
func (db *DB) Facts(ctx context.Context, userID int64, withHistory bool) ([]*os1.Fact, error) {
	q := `SELECT ` + factColumns + ` FROM memory_facts WHERE user_id = ?`
	if !withHistory {
		q += ` AND holds_until = ''`
	}
	rows, err := db.read.QueryContext(ctx, q+` ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list facts: %w", err)
	}
	defer rows.Close()
	var list []*os1.Fact
	for rows.Next() {
		f, err := scanFact(rows)
		if err != nil {
			return nil, fmt.Errorf("list facts: %w", err)
		}
		list = append(list, f)
	}
	return list, rows.Err()
}

// FindFact returns one of the user's facts; ENOTFOUND if it is not theirs.
func (db *DB) FindFact(ctx context.Context, userID, id int64) (*os1.Fact, error) {
	f, err := scanFact(db.read.QueryRowContext(ctx, `SELECT `+factColumns+` FROM memory_facts WHERE user_id = ? AND id = ?`, userID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, os1.Errorf(os1.ENOTFOUND, "no such fact")
	} else if err != nil {
		return nil, fmt.Errorf("find fact: %w", err)
	}
	return f, nil
}

// AddFact stores a fact outside of ingestion (a correction, a fact a model
// extracted in the background), with the same merge and retire rules.
func (db *DB) AddFact(ctx context.Context, f *os1.Fact) error {
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := db.saveFact(ctx, tx, f)
		return err
	})
}

// EditFact corrects one of the user's facts: the old one is retired (kept
// as history, replaced by the new one) and the corrected one, with the same
// sources, is returned. ENOTFOUND if the fact is not the user's.
func (db *DB) EditFact(ctx context.Context, userID, id int64, statement string) (*os1.Fact, error) {
	if strings.TrimSpace(statement) == "" {
		return nil, os1.Errorf(os1.EINVALID, "statement is empty")
	}
	old, err := db.FindFact(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	nf := &os1.Fact{UserID: userID, Subject: old.Subject, Statement: statement, SaidAt: db.now(), HoldsFrom: old.HoldsFrom,
		Importance: old.Importance, Confidence: 1, Origin: "edit", Sources: old.Sources}
	err = db.WriteTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.saveFact(ctx, tx, nf); err != nil {
			return err
		}
		if nf.ID == id {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE memory_facts SET holds_until = ?, replaced_by = ?, updated_at = ? WHERE id = ? AND user_id = ?`,
			formatTime(nf.SaidAt), nf.ID, formatTime(db.now()), id, userID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("edit fact: %w", err)
	}
	return nf, nil
}

// People returns the people in the user's life, most mentioned first.
func (db *DB) People(ctx context.Context, userID int64) ([]*os1.Person, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, name, relation, first_mentioned, last_mentioned, mentions, sources FROM memory_people WHERE user_id = ? ORDER BY mentions DESC, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	defer rows.Close()
	var list []*os1.Person
	for rows.Next() {
		p := &os1.Person{UserID: userID}
		var first, last, src string
		if err := rows.Scan(&p.ID, &p.Name, &p.Relation, &first, &last, &p.Mentions, &src); err != nil {
			return nil, fmt.Errorf("list people: %w", err)
		}
		p.FirstMentioned, p.LastMentioned, p.Sources = parseTime(first), parseTime(last), decodeIDs(src)
		list = append(list, p)
	}
	return list, rows.Err()
}

// Summaries returns the user's summaries and reflections (kind "" for both),
// oldest first.
func (db *DB) Summaries(ctx context.Context, userID int64, kind string) ([]*os1.Summary, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, kind, text, from_at, to_at, importance, origin, sources, created_at FROM memory_summaries WHERE user_id = ? AND (? = '' OR kind = ?) ORDER BY id`, userID, kind, kind)
	if err != nil {
		return nil, fmt.Errorf("list summaries: %w", err)
	}
	defer rows.Close()
	var list []*os1.Summary
	for rows.Next() {
		s := &os1.Summary{UserID: userID}
		var from, to, src, created string
		if err := rows.Scan(&s.ID, &s.Kind, &s.Text, &from, &to, &s.Importance, &s.Origin, &src, &created); err != nil {
			return nil, fmt.Errorf("list summaries: %w", err)
		}
		s.From, s.To, s.Sources, s.CreatedAt = parseTime(from), parseTime(to), decodeIDs(src), parseTime(created)
		list = append(list, s)
	}
	return list, rows.Err()
}

func insertSummary(ctx context.Context, tx *sql.Tx, s *os1.Summary, now time.Time) error {
	if s.Kind != os1.KindSummary && s.Kind != os1.KindReflection {
		return os1.Errorf(os1.EINVALID, "summary kind must be %q or %q", os1.KindSummary, os1.KindReflection)
	}
	s.CreatedAt = now
	res, err := tx.ExecContext(ctx, `INSERT INTO memory_summaries (user_id, kind, text, from_at, to_at, importance, origin, sources, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.UserID, s.Kind, s.Text, formatTime(s.From), formatTime(s.To), s.Importance, s.Origin, encodeIDs(s.Sources), formatTime(now))
	if err != nil {
		return fmt.Errorf("insert summary: %w", err)
	}
	s.ID, _ = res.LastInsertId()
	return nil
}

// ForgetItem removes one of the user's memories: a fact, person, summary or
// reflection by id, or a turn (by message id) from the index together with
// every fact, summary and reflection derived from it. ENOTFOUND if there is
// no such item of the user's.
func (db *DB) ForgetItem(ctx context.Context, userID int64, kind string, id int64) error {
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		switch kind {
		case os1.KindFact:
			res, err = tx.ExecContext(ctx, `DELETE FROM memory_facts WHERE user_id = ? AND id = ?`, userID, id)
		case os1.KindPerson:
			res, err = tx.ExecContext(ctx, `DELETE FROM memory_people WHERE user_id = ? AND id = ?`, userID, id)
		case os1.KindSummary, os1.KindReflection:
			res, err = tx.ExecContext(ctx, `DELETE FROM memory_summaries WHERE user_id = ? AND id = ? AND kind = ?`, userID, id, kind)
		case os1.KindTurn:
			res, err = tx.ExecContext(ctx, `DELETE FROM memory_turns WHERE user_id = ? AND message_id = ?`, userID, id)
			if err == nil {
				err = forgetDerived(ctx, tx, userID, `SELECT ?`, id)
			}
		default:
			return os1.Errorf(os1.EINVALID, "unknown memory kind %q", kind)
		}
		if err != nil {
			return fmt.Errorf("forget %s: %w", kind, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return os1.Errorf(os1.ENOTFOUND, "no such %s", kind)
		}
		return dropOrphanVectors(ctx, tx, userID)
	})
}

// dropOrphanVectors deletes the user's stored vectors whose item is gone.
func dropOrphanVectors(ctx context.Context, tx *sql.Tx, userID int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM memory_embeddings WHERE user_id = ? AND NOT (
		kind = 'turn' AND item_id IN (SELECT message_id FROM memory_turns WHERE user_id = ?)
		OR kind = 'fact' AND item_id IN (SELECT id FROM memory_facts WHERE user_id = ?)
		OR kind IN ('summary', 'reflection') AND item_id IN (SELECT id FROM memory_summaries WHERE user_id = ?))`, userID, userID, userID, userID)
	if err != nil {
		return fmt.Errorf("forget vectors: %w", err)
	}
	return nil
}

// forgetDerived deletes the facts, summaries and reflections of the user's
// with a source among the message ids selected by sel (a SELECT of ids).
func forgetDerived(ctx context.Context, tx *sql.Tx, userID int64, sel string, args ...any) error {
	for _, table := range []string{"memory_facts", "memory_summaries"} {
		a := append([]any{userID}, args...)
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE user_id = ? AND EXISTS (SELECT 1 FROM json_each(`+table+`.sources) WHERE value IN (`+sel+`))`, a...); err != nil {
			return fmt.Errorf("forget what was derived: %w", err)
		}
	}
	// People keep existing; only the forgotten mentions go from their sources.
	return nil
}

// ForgetConversation removes a conversation's turns from the user's memory
// index and every fact, summary and reflection derived from them. It
// returns how many turns it removed.
func (db *DB) ForgetConversation(ctx context.Context, userID, conversationID int64) (int, error) {
	var n int64
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		sel := `SELECT id FROM messages WHERE conversation_id = ? AND user_id = ?`
		if err := forgetDerived(ctx, tx, userID, sel, conversationID, userID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM memory_turns WHERE user_id = ? AND conversation_id = ?`, userID, conversationID)
		if err != nil {
			return fmt.Errorf("forget conversation turns: %w", err)
		}
		n, _ = res.RowsAffected()
		return dropOrphanVectors(ctx, tx, userID)
	})
	return int(n), err
}

func enqueue(ctx context.Context, tx *sql.Tx, kind string, userID int64, dedup, payload string, now time.Time) error {
	var key any
	if dedup != "" {
		key = dedup
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO jobs (kind, user_id, dedup_key, payload, run_after, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		kind, userID, key, payload, formatTime(now), formatTime(now)); err != nil {
		return fmt.Errorf("enqueue %s job: %w", kind, err)
	}
	return nil
}

// EnqueueJob queues background work. A job with the same kind and a
// non-empty dedup key as an earlier one is not queued again.
func (db *DB) EnqueueJob(ctx context.Context, kind string, userID int64, dedup, payload string) error {
	return db.WriteTx(ctx, func(tx *sql.Tx) error { return enqueue(ctx, tx, kind, userID, dedup, payload, db.now()) })
}

// ClaimJob claims the oldest runnable job of one of kinds: not done, due,
// and not claimed within lease (a claim older than lease belongs to a
// process that died). It returns nil, nil when there is none.
func (db *DB) ClaimJob(ctx context.Context, lease time.Duration, kinds ...string) (*os1.Job, error) {
	var job *os1.Job
	now := db.now()
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		q := `SELECT id, kind, user_id, payload, attempts FROM jobs WHERE done_at = '' AND run_after <= ? AND (claimed_at = '' OR claimed_at < ?)`
		args := []any{formatTime(now), formatTime(now.Add(-lease))}
		if len(kinds) > 0 {
			q += ` AND kind IN (?` + strings.Repeat(`, ?`, len(kinds)-1) + `)`
			for _, k := range kinds {
				args = append(args, k)
			}
		}
		var j os1.Job
		err := tx.QueryRowContext(ctx, q+` ORDER BY id LIMIT 1`, args...).Scan(&j.ID, &j.Kind, &j.UserID, &j.Payload, &j.Attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("claim job: %w", err)
		}
		j.Attempts++
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET claimed_at = ?, attempts = ? WHERE id = ?`, formatTime(now), j.Attempts, j.ID); err != nil {
			return fmt.Errorf("claim job: %w", err)
		}
		job = &j
		return nil
	})
	return job, err
}

// CompleteJob marks a claimed job done and stores the summaries and
// reflections it produced, in one transaction, so a job's results are
// stored exactly once even if the process dies around it.
func (db *DB) CompleteJob(ctx context.Context, jobID int64, results []*os1.Summary) error {
	now := db.now()
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET done_at = ?, last_error = '' WHERE id = ? AND done_at = ''`, formatTime(now), jobID)
		if err != nil {
			return fmt.Errorf("complete job: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return os1.Errorf(os1.ECONFLICT, "job %d is already done", jobID)
		}
		for _, s := range results {
			if err := insertSummary(ctx, tx, s, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// FailJob records a failed attempt: the job runs again after retryAfter,
// or is given up (marked done with its error) when giveUp is set.
func (db *DB) FailJob(ctx context.Context, jobID int64, msg string, retryAfter time.Duration, giveUp bool) error {
	now := db.now()
	done := ""
	if giveUp {
		done = formatTime(now)
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE jobs SET last_error = ?, claimed_at = '', run_after = ?, done_at = ? WHERE id = ?`,
		msg, formatTime(now.Add(retryAfter)), done, jobID); err != nil {
		return fmt.Errorf("fail job: %w", err)
	}
	return nil
}

// PendingJobs counts the jobs not yet done.
func (db *DB) PendingJobs(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE done_at = ''`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count jobs: %w", err)
	}
	return n, nil
}

// NotePeople adds people found outside ingestion (by a model reading a
// turn that was already counted): a new name is added with one mention; a
// known one only gets its relation filled in when it had none.
func (db *DB) NotePeople(ctx context.Context, userID int64, people []*os1.Person) error {
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		for _, p := range people {
			p.UserID = userID
			var id int64
			var relation string
			err := tx.QueryRowContext(ctx, `SELECT id, relation FROM memory_people WHERE user_id = ? AND name = ?`, userID, p.Name).Scan(&id, &relation)
			if errors.Is(err, sql.ErrNoRows) {
				if err := db.upsertPerson(ctx, tx, p); err != nil {
					return err
				}
				continue
			} else if err != nil {
				return fmt.Errorf("find person: %w", err)
			}
			p.ID = id
			if relation == "" && p.Relation != "" {
				if _, err := tx.ExecContext(ctx, `UPDATE memory_people SET relation = ? WHERE id = ?`, p.Relation, id); err != nil {
					return fmt.Errorf("update person: %w", err)
				}
			}
		}
		return nil
	})
}

// MissingVectors returns up to limit of the user's turns, current facts,
// summaries and reflections that have no vector from model, oldest first.
// A fact's text is its subject and statement.
func (db *DB) MissingVectors(ctx context.Context, userID int64, model string, limit int) ([]os1.Embedded, error) {
	const missing = ` AND NOT EXISTS (SELECT 1 FROM memory_embeddings e WHERE e.kind = x.kind AND e.item_id = x.id AND e.model = ?)`
	rows, err := db.read.QueryContext(ctx, `SELECT kind, id, text FROM (
		SELECT 'turn' AS kind, message_id AS id, text, 0 AS o FROM memory_turns WHERE user_id = ?
		UNION ALL SELECT 'fact', id, subject || ' ' || statement, 1 FROM memory_facts WHERE user_id = ? AND holds_until = ''
		UNION ALL SELECT kind, id, text, 2 FROM memory_summaries WHERE user_id = ?) x
		WHERE 1`+missing+` ORDER BY o, id LIMIT ?`, userID, userID, userID, model, limit)
	if err != nil {
		return nil, fmt.Errorf("list items without vectors: %w", err)
	}
	defer rows.Close()
	var list []os1.Embedded
	for rows.Next() {
		var e os1.Embedded
		if err := rows.Scan(&e.Kind, &e.ID, &e.Text); err != nil {
			return nil, fmt.Errorf("list items without vectors: %w", err)
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// SaveVectors stores the items' vectors from model, replacing older ones.
func (db *DB) SaveVectors(ctx context.Context, userID int64, model string, items []os1.Embedded) error {
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		for _, it := range items {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO memory_embeddings (user_id, kind, item_id, model, vector) VALUES (?, ?, ?, ?, ?)`,
				userID, it.Kind, it.ID, model, encodeVector(it.Vector)); err != nil {
				return fmt.Errorf("save vector: %w", err)
			}
		}
		return nil
	})
}

// Vectors returns the user's stored vectors from model (without texts).
func (db *DB) Vectors(ctx context.Context, userID int64, model string) ([]os1.Embedded, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT kind, item_id, vector FROM memory_embeddings WHERE user_id = ? AND model = ?`, userID, model)
	if err != nil {
		return nil, fmt.Errorf("list vectors: %w", err)
	}
	defer rows.Close()
	var list []os1.Embedded
	for rows.Next() {
		var e os1.Embedded
		var b []byte
		if err := rows.Scan(&e.Kind, &e.ID, &b); err != nil {
			return nil, fmt.Errorf("list vectors: %w", err)
		}
		e.Vector = decodeVector(b)
		list = append(list, e)
	}
	return list, rows.Err()
}

func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func decodeVector(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// PersonData returns everything stored about a person, for an export.
// ENOTFOUND if there is no such person.
func (db *DB) PersonData(ctx context.Context, userID int64) (*os1.PersonData, error) {
	u, err := db.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	d := &os1.PersonData{User: *u}
	if d.Companion, err = db.CompanionByUser(ctx, userID); err != nil && os1.ErrorCode(err) != os1.ENOTFOUND {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("export conversations: %w", err)
	}
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("export conversations: %w", err)
		}
		d.Conversations = append(d.Conversations, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("export conversations: %w", err)
	}
	if d.Messages, err = db.queryMessages(ctx, `SELECT `+messageColumns+` FROM messages WHERE user_id = ? ORDER BY id`, userID); err != nil {
		return nil, err
	}
	if d.Turns, err = db.MemoryTurns(ctx, userID, 0); err != nil {
		return nil, err
	}
	if d.Facts, err = db.Facts(ctx, userID, true); err != nil {
		return nil, err
	}
	if d.People, err = db.People(ctx, userID); err != nil {
		return nil, err
	}
	if d.Summaries, err = db.Summaries(ctx, userID, ""); err != nil {
		return nil, err
	}
	if d.ReflectedUpTo, err = db.ReflectedUpTo(ctx, userID); err != nil {
		return nil, err
	}
	return d, nil
}

// ImportPersonData stores an exported person as a new person of this
// instance, in one transaction: all of it or nothing. Everything gets new
// ids; references between the parts (messages of a conversation, sources,
// sessions, replaced facts) are mapped, and references to anything not in
// d are dropped. It sets d.User.ID and returns the map from the archive's
// message ids to the new ones. ECONFLICT if the name is taken; EINVALID if
// a message belongs to no conversation of d.
func (db *DB) ImportPersonData(ctx context.Context, d *os1.PersonData) (map[int64]int64, error) {
	if err := d.User.Validate(); err != nil {
		return nil, err
	}
	now := db.now()
	orNow := func(t time.Time) string {
		if t.IsZero() {
			return formatTime(now)
		}
		return formatTime(t)
	}
	msgs := map[int64]int64{}
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO users (name, display_name, created_at, updated_at) VALUES (?, ?, ?, ?)`,
			d.User.Name, d.User.DisplayName, orNow(d.User.CreatedAt), orNow(d.User.UpdatedAt))
		if isUnique(err) {
			return os1.Errorf(os1.ECONFLICT, "a person named %q already exists here; import into a fresh instance, or remove or rename that person first", d.User.Name)
		} else if err != nil {
			return fmt.Errorf("import person: %w", err)
		}
		uid, _ := res.LastInsertId()
		comp := d.Companion
		if comp == nil {
			comp = &os1.Companion{}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO companions (user_id, name, persona, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			uid, comp.Name, comp.Persona, orNow(comp.CreatedAt), orNow(comp.UpdatedAt)); err != nil {
			return fmt.Errorf("import companion: %w", err)
		}
		convs := map[int64]int64{}
		for _, c := range d.Conversations {
			var key any
			if c.ExternalKey != "" {
				key = c.ExternalKey
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO conversations (user_id, title, external_key, message_count, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)`,
				uid, c.Title, key, orNow(c.CreatedAt), orNow(c.UpdatedAt))
			if err != nil {
				return fmt.Errorf("import conversation %d: %w", c.ID, err)
			}
			convs[c.ID], _ = res.LastInsertId()
		}
		for _, m := range d.Messages {
			cid, ok := convs[m.ConversationID]
			if !ok {
				return os1.Errorf(os1.EINVALID, "message %d belongs to conversation %d, which is not in the archive", m.ID, m.ConversationID)
			}
			var emotion any
			if m.Emotion != nil {
				b, _ := json.Marshal(m.Emotion)
				emotion = string(b)
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO messages (conversation_id, user_id, role, content, status, error, source, tokens, emotion, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				cid, uid, m.Role, m.Content, m.Status, m.Error, m.Source, m.Tokens, emotion, orNow(m.CreatedAt), orNow(m.UpdatedAt))
			if err != nil {
				return fmt.Errorf("import message %d: %w", m.ID, err)
			}
			msgs[m.ID], _ = res.LastInsertId()
			if _, err := tx.ExecContext(ctx, `UPDATE conversations SET message_count = message_count + 1 WHERE id = ?`, cid); err != nil {
				return fmt.Errorf("import message %d: %w", m.ID, err)
			}
		}
		mapIDs := func(ids []int64) []int64 {
			out := []int64{}
			for _, id := range ids {
				if n, ok := msgs[id]; ok {
					out = append(out, n)
				}
			}
			return out
		}
		for _, t := range d.Turns {
			mid, ok := msgs[t.MessageID]
			if !ok {
				continue
			}
			session, ok := msgs[t.Session]
			if !ok {
				session = mid
			}
			if _, err := tx.ExecContext(ctx, qInsertTurn, mid, uid, convs[t.ConversationID], t.Role, t.Speaker, t.Text, session, orNow(t.SaidAt), t.Importance); err != nil {
				return fmt.Errorf("import turn %d: %w", t.MessageID, err)
			}
		}
		facts := map[int64]int64{}
		for _, f := range d.Facts {
			res, err := tx.ExecContext(ctx, qInsertFact, uid, f.Subject, f.Slot, f.Statement, NormalizeStatement(f.Subject+" "+f.Statement),
				orNow(f.SaidAt), fmtOptTime(f.HoldsFrom), fmtOptTime(f.HoldsUntil), f.Importance, f.Confidence, f.Origin, encodeIDs(mapIDs(f.Sources)), orNow(f.CreatedAt), orNow(f.UpdatedAt))
			if err != nil {
				return fmt.Errorf("import fact %d: %w", f.ID, err)
			}
			facts[f.ID], _ = res.LastInsertId()
		}
		for _, f := range d.Facts {
			if nid, ok := facts[f.ReplacedBy]; ok && f.ReplacedBy != 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE memory_facts SET replaced_by = ? WHERE id = ?`, nid, facts[f.ID]); err != nil {
					return fmt.Errorf("import fact %d: %w", f.ID, err)
				}
			}
		}
		for _, p := range d.People {
			if _, err := tx.ExecContext(ctx, qInsertPerson, uid, p.Name, p.Relation, orNow(p.FirstMentioned), orNow(p.LastMentioned), p.Mentions, encodeIDs(mapIDs(p.Sources))); err != nil {
				if isUnique(err) {
					return os1.Errorf(os1.EINVALID, "the archive names %q twice in its people", p.Name)
				}
				return fmt.Errorf("import person %q: %w", p.Name, err)
			}
		}
		for _, s := range d.Summaries {
			sm := *s
			sm.UserID, sm.Sources = uid, mapIDs(s.Sources)
			created := s.CreatedAt
			if created.IsZero() {
				created = now
			}
			if err := insertSummary(ctx, tx, &sm, created); err != nil {
				return err
			}
		}
		var reflected int64
		for _, m := range d.Messages {
			if m.ID <= d.ReflectedUpTo && msgs[m.ID] > reflected {
				reflected = msgs[m.ID]
			}
		}
		if reflected > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO memory_state (user_id, last_message_id) VALUES (?, ?)`, uid, reflected); err != nil {
				return fmt.Errorf("import memory state: %w", err)
			}
		}
		d.User.ID = uid
		return nil
	})
	if err != nil {
		return nil, err
	}
	return msgs, nil
}
