-- Guards: the marker a guard leaves on a reply (e.g. 'crisis': it carries
-- crisis resources), and a log of what the guards did on each turn. The log
-- holds no message text, only what was triggered and done.

ALTER TABLE messages ADD COLUMN guard TEXT NOT NULL DEFAULT '';

CREATE TABLE guard_events (
	id              INTEGER PRIMARY KEY,
	user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	message_id      INTEGER REFERENCES messages (id) ON DELETE CASCADE,
	kind            TEXT NOT NULL,
	detail          TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL
);
CREATE INDEX guard_events_user ON guard_events (user_id, id);
