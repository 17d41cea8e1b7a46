-- A finished push job (succeeded, dead) that is re-armed becomes due at the new time, not at
-- the earlier of its old and new times: its old time is in the past, which made every re-armed
-- record due at once and undid the spacing a resync gives its records (issue 21 §1). A job
-- still queued or running keeps the earlier time, as before.

CREATE OR REPLACE FUNCTION airtable_rearm(record text, record_id uuid, business uuid, due timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM airtable_connections
                   WHERE business_id = business AND status = 'active') THEN
        RETURN;
    END IF;
    INSERT INTO jobs (kind, idempotency_key, payload, max_attempts, next_run_at, business_id)
    VALUES ('airtable_push', 'job:airtable:' || record || ':' || record_id,
            jsonb_build_object('record', record, 'id', record_id), 10, due, business)
    ON CONFLICT (idempotency_key) DO UPDATE SET
        next_run_at = CASE WHEN jobs.status IN ('queued', 'running')
                           THEN LEAST(jobs.next_run_at, EXCLUDED.next_run_at)
                           ELSE EXCLUDED.next_run_at END,
        status = CASE WHEN jobs.status = 'running' THEN 'running' ELSE 'queued' END,
        attempts = CASE WHEN jobs.status = 'running' THEN jobs.attempts ELSE 0 END,
        last_error = CASE WHEN jobs.status = 'running' THEN jobs.last_error ELSE NULL END,
        rerun_requested = (jobs.status = 'running'),
        finished_at = NULL,
        updated_at = now();
    PERFORM pg_notify('jobs_ready', '');
END $$;
