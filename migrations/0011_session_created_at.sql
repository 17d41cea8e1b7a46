-- Sessions get an absolute lifetime (issue 21 §5): the store stamps each new session with the
-- application clock's time and stops loading it 90 days later, however often it is used.
-- Existing sessions count from this migration.
ALTER TABLE sessions ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
