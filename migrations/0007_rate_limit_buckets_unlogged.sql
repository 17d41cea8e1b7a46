-- Rate-limit windows and alert throttles are short-lived counters: losing them in a crash only
-- restarts a window. Unlogged, their updates write no WAL, so a webhook's counter hit commits
-- without waiting for a disk flush (twilio.md §6.5 latency).
ALTER TABLE rate_limit_buckets SET UNLOGGED;
