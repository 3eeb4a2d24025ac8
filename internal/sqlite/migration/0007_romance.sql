-- Romance is the person's choice, off unless they turn it on; exclusivity is
-- never allowed, whatever this says.
ALTER TABLE wellbeing_settings ADD COLUMN romance INTEGER NOT NULL DEFAULT 0;
