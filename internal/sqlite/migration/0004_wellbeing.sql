-- Wellbeing: each person's switches and what is remembered between turns (the last nudge, the sunset notice),
-- farewell letters, the pending goodbye confirmation, and the instance's sunset.

CREATE TABLE wellbeing_settings (
	user_id         INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	nudges          INTEGER NOT NULL DEFAULT 1,  -- 1: nudges toward the people they know are on
	budget_minutes  INTEGER NOT NULL DEFAULT 0,  -- daily time budget; 0: none
	late_night_hour INTEGER NOT NULL DEFAULT 23, -- local hour from which use counts as late, until 5:00
	time_zone       TEXT NOT NULL DEFAULT '',    -- IANA name; '' for the server's
	cooldown_hours  INTEGER NOT NULL DEFAULT 72, -- least time between two nudges
	updated_at      TEXT NOT NULL
);

CREATE TABLE wellbeing_state (
	user_id           INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	last_nudge_at     TEXT NOT NULL DEFAULT '',
	last_nudge_person TEXT NOT NULL DEFAULT '',
	sunset_told_for   TEXT NOT NULL DEFAULT '', -- notice_at of the sunset they were told about
	goodbye_hash      BLOB,                     -- sha256 of the pending goodbye confirmation token
	goodbye_expires   TEXT NOT NULL DEFAULT '',
	updated_at        TEXT NOT NULL
);

CREATE TABLE wellbeing_letters (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL CHECK (kind IN ('goodbye', 'sunset')),
	text       TEXT NOT NULL,
	source     TEXT NOT NULL DEFAULT 'template',
	created_at TEXT NOT NULL
);
CREATE INDEX wellbeing_letters_user ON wellbeing_letters (user_id, id);

-- At most one row: the announced end of this instance.
CREATE TABLE sunset (
	id        INTEGER PRIMARY KEY CHECK (id = 1),
	at        TEXT NOT NULL,
	notice_at TEXT NOT NULL
);
