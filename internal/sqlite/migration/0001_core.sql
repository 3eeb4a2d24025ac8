-- Core: people with accounts, their companions, keys, sessions, conversations and messages.
-- Times are UTC text in the fixed-width form 2006-01-02T15:04:05.000000Z, so they sort as they compare.

CREATE TABLE users (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL UNIQUE COLLATE NOCASE,
	display_name TEXT NOT NULL DEFAULT '',
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL
);

CREATE TABLE companions (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
	name       TEXT NOT NULL DEFAULT '',
	persona    TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE TABLE api_keys (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	label        TEXT NOT NULL DEFAULT '',
	prefix       TEXT NOT NULL,
	hash         BLOB NOT NULL UNIQUE,
	created_at   TEXT NOT NULL,
	last_used_at TEXT
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE sessions (
	hash       BLOB PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE conversations (
	id            INTEGER PRIMARY KEY,
	user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	title         TEXT NOT NULL DEFAULT '',
	external_key  TEXT,
	message_count INTEGER NOT NULL DEFAULT 0,
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL,
	UNIQUE (user_id, external_key)
);
CREATE INDEX conversations_user_updated ON conversations (user_id, updated_at DESC);
CREATE INDEX conversations_updated ON conversations (updated_at);

CREATE TABLE messages (
	id              INTEGER PRIMARY KEY,
	conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role            TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
	content         TEXT NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('complete', 'streaming', 'interrupted')),
	error           TEXT NOT NULL DEFAULT '',
	source          TEXT NOT NULL DEFAULT '',
	tokens          INTEGER NOT NULL DEFAULT 0,
	emotion         TEXT,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_user ON messages (user_id, id);
CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';
