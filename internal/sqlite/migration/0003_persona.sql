-- The companion's self: its persona in versions, and per-user state of the first meeting, its affect and its
-- growth.

-- Every version of a companion's persona; the newest (highest version) is the current one. A revert is a new
-- version, so the journal keeps its whole history.
CREATE TABLE persona_versions (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	version    INTEGER NOT NULL,
	kind       TEXT NOT NULL,              -- seed, name, growth, revert, import, edit
	persona    TEXT NOT NULL,              -- JSON os1.Persona
	reason     TEXT NOT NULL DEFAULT '',   -- why this version exists, in words
	changes    TEXT NOT NULL DEFAULT '[]', -- JSON list of {field, from, to}
	sources    TEXT NOT NULL DEFAULT '{}', -- JSON {reflections, messages, version}
	created_at TEXT NOT NULL,
	UNIQUE (user_id, version)
);
CREATE INDEX persona_versions_kind ON persona_versions (user_id, kind, created_at);

CREATE TABLE persona_state (
	user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	frozen     INTEGER NOT NULL DEFAULT 0,  -- 1: growth is frozen
	grown_upto INTEGER NOT NULL DEFAULT 0,  -- the newest reflection id growth has considered
	onboarding TEXT NOT NULL DEFAULT '',    -- JSON interview state ('' before it starts)
	affect     TEXT NOT NULL DEFAULT '',    -- JSON affect state ('' for the baseline)
	updated_at TEXT NOT NULL
);

-- The mood timeline reads the person's messages by time.
CREATE INDEX IF NOT EXISTS messages_user_role_time ON messages (user_id, role, created_at);
