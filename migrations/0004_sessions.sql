-- Sessions (data-model.md §3.17). The shape is the one tower-sessions' Postgres store reads
-- and writes (id, MessagePack data, expiry); the application keeps only the user id and the
-- security stamp in `data`. Expired rows are deleted by the hourly cleanup job.
CREATE TABLE sessions (
    id           text PRIMARY KEY NOT NULL,
    data         bytea NOT NULL,
    expiry_date  timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_date_idx ON sessions (expiry_date);
