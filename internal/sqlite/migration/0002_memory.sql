-- Memory: the episodic index over turns, facts, people, summaries and reflections, embeddings, and the
-- persisted queue of background work.

-- One row per indexed message; message_id is the message's id.
CREATE TABLE memory_turns (
	message_id      INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
	user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	conversation_id INTEGER NOT NULL,
	role            TEXT NOT NULL,
	speaker         TEXT NOT NULL DEFAULT '',
	text            TEXT NOT NULL,
	session         INTEGER NOT NULL,
	said_at         TEXT NOT NULL,
	importance      REAL NOT NULL DEFAULT 0
);
CREATE INDEX memory_turns_user ON memory_turns (user_id, message_id);
CREATE INDEX memory_turns_conversation ON memory_turns (conversation_id);

-- Full-text index over the turns (BM25 through bm25()); rowid is the message id.
CREATE VIRTUAL TABLE memory_turns_fts USING fts5 (
	speaker, text,
	content = 'memory_turns', content_rowid = 'message_id',
	tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER memory_turns_ai AFTER INSERT ON memory_turns BEGIN
	INSERT INTO memory_turns_fts (rowid, speaker, text) VALUES (new.message_id, new.speaker, new.text);
END;
CREATE TRIGGER memory_turns_ad AFTER DELETE ON memory_turns BEGIN
	INSERT INTO memory_turns_fts (memory_turns_fts, rowid, speaker, text) VALUES ('delete', old.message_id, old.speaker, old.text);
END;

CREATE TABLE memory_facts (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	subject     TEXT NOT NULL,
	slot        TEXT NOT NULL DEFAULT '',
	statement   TEXT NOT NULL,
	norm        TEXT NOT NULL,            -- normalised statement, for merging duplicates
	said_at     TEXT NOT NULL,
	holds_from  TEXT NOT NULL DEFAULT '',
	holds_until TEXT NOT NULL DEFAULT '', -- '' while it holds
	importance  REAL NOT NULL DEFAULT 0,
	confidence  REAL NOT NULL DEFAULT 0,
	origin      TEXT NOT NULL DEFAULT 'rule',
	replaced_by INTEGER,
	sources     TEXT NOT NULL DEFAULT '[]', -- JSON array of message ids
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
CREATE INDEX memory_facts_user ON memory_facts (user_id, subject, slot);
CREATE INDEX memory_facts_norm ON memory_facts (user_id, norm);

CREATE TABLE memory_people (
	id              INTEGER PRIMARY KEY,
	user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name            TEXT NOT NULL COLLATE NOCASE,
	relation        TEXT NOT NULL DEFAULT '',
	first_mentioned TEXT NOT NULL,
	last_mentioned  TEXT NOT NULL,
	mentions        INTEGER NOT NULL DEFAULT 0,
	sources         TEXT NOT NULL DEFAULT '[]', -- JSON array of the latest message ids
	UNIQUE (user_id, name)
);

-- Session summaries and reflections.
CREATE TABLE memory_summaries (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL CHECK (kind IN ('summary', 'reflection')),
	text       TEXT NOT NULL,
	from_at    TEXT NOT NULL,
	to_at      TEXT NOT NULL,
	importance REAL NOT NULL DEFAULT 0,
	origin     TEXT NOT NULL DEFAULT 'extractive',
	sources    TEXT NOT NULL DEFAULT '[]',
	created_at TEXT NOT NULL
);
CREATE INDEX memory_summaries_user ON memory_summaries (user_id, kind);

-- Optional vectors per item, when an embedder is configured (little-endian float32).
CREATE TABLE memory_embeddings (
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind    TEXT NOT NULL,
	item_id INTEGER NOT NULL,
	model   TEXT NOT NULL DEFAULT '',
	vector  BLOB NOT NULL,
	PRIMARY KEY (kind, item_id)
);
CREATE INDEX memory_embeddings_user ON memory_embeddings (user_id);

-- Per-user state of the reflection trigger: the newest message a reflection job covers. The importance
-- pending since then is the sum over later memory_turns.
CREATE TABLE memory_state (
	user_id         INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	last_message_id INTEGER NOT NULL DEFAULT 0
);

-- Persisted background work. A job is claimed by setting claimed_at; it is done once done_at is set.
-- A claimed job whose claim is older than the lease is claimed again (the process died).
CREATE TABLE jobs (
	id         INTEGER PRIMARY KEY,
	kind       TEXT NOT NULL,
	user_id    INTEGER NOT NULL DEFAULT 0,
	dedup_key  TEXT,
	payload    TEXT NOT NULL DEFAULT '{}',
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	run_after  TEXT NOT NULL,
	claimed_at TEXT NOT NULL DEFAULT '',
	done_at    TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	UNIQUE (kind, dedup_key)
);
CREATE INDEX jobs_pending ON jobs (done_at, run_after);
