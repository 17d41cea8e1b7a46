-- Airtable mirror (integrations.md §2.3): every change to a call or lead that the Airtable
-- tables show re-arms that record's `airtable_push` job, in the transaction that made the
-- change. Triggers rather than calls at each write site: leads and calls are written in some
-- forty places, and a push must follow every one of them.
--
-- The upsert mirrors `jobs::queue::enqueue_or_reschedule` (a running job is flagged to run once
-- more); the job is due at the row's own `updated_at` (written from the app's clock), so no
-- decision here reads the database clock. Only businesses with an active connection are queued.

CREATE FUNCTION airtable_rearm(record text, record_id uuid, business uuid, due timestamptz)
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
        next_run_at = LEAST(jobs.next_run_at, EXCLUDED.next_run_at),
        status = CASE WHEN jobs.status = 'running' THEN 'running' ELSE 'queued' END,
        attempts = CASE WHEN jobs.status = 'running' THEN jobs.attempts ELSE 0 END,
        last_error = CASE WHEN jobs.status = 'running' THEN jobs.last_error ELSE NULL END,
        rerun_requested = (jobs.status = 'running'),
        finished_at = NULL,
        updated_at = now();
    PERFORM pg_notify('jobs_ready', '');
END $$;

CREATE FUNCTION airtable_lead_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR (OLD.created_at, OLD.last_activity_at, OLD.caller_e164, OLD.contact_name,
            OLD.source, OLD.phone_number_id, OLD.status, OLD.conversation_state, OLD.service,
            OLD.urgency, OLD.postal_code, OLD.best_time, OLD.billing_required, OLD.call_count)
        IS DISTINCT FROM (NEW.created_at, NEW.last_activity_at, NEW.caller_e164, NEW.contact_name,
            NEW.source, NEW.phone_number_id, NEW.status, NEW.conversation_state, NEW.service,
            NEW.urgency, NEW.postal_code, NEW.best_time, NEW.billing_required, NEW.call_count) THEN
        PERFORM airtable_rearm('lead', NEW.id, NEW.business_id, NEW.updated_at);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION airtable_call_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR (OLD.outcome, OLD.missed_reason, OLD.dial_call_duration_seconds,
            OLD.recording_sid, OLD.recording_status, OLD.from_e164)
        IS DISTINCT FROM (NEW.outcome, NEW.missed_reason, NEW.dial_call_duration_seconds,
            NEW.recording_sid, NEW.recording_status, NEW.from_e164) THEN
        PERFORM airtable_rearm('call', NEW.id, NEW.business_id, NEW.updated_at);
    END IF;
    RETURN NULL;
END $$;

-- A call linked to a lead gains its `Lead ID` and `Lead Link`.
CREATE FUNCTION airtable_call_linked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM airtable_rearm('call', NEW.call_id, NEW.business_id, NEW.attached_at);
    RETURN NULL;
END $$;

CREATE TRIGGER leads_airtable_push AFTER INSERT OR UPDATE ON leads
    FOR EACH ROW EXECUTE FUNCTION airtable_lead_changed();
CREATE TRIGGER calls_airtable_push AFTER INSERT OR UPDATE ON calls
    FOR EACH ROW EXECUTE FUNCTION airtable_call_changed();
CREATE TRIGGER lead_calls_airtable_push AFTER INSERT ON lead_calls
    FOR EACH ROW EXECUTE FUNCTION airtable_call_linked();

-- The report of the latest "Import number settings" (integrations.md §2.5), shown on the page
-- until the next import: one entry per row of the Config table.
ALTER TABLE airtable_connections
    ADD COLUMN last_import_at timestamptz,
    ADD COLUMN last_import_report jsonb;
