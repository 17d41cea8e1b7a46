-- pgbench script for scripts/bench.sh: the rows one answered text writes through the app
-- (conversation.md §2 step 10), without the app's reads, parsing or HTTP — the database's own
-- ceiling for the SMS pipeline on this machine. :leads is set by the script (-D leads=N).
\set n random(1, :leads)
INSERT INTO rate_limit_buckets AS b (key, window_started_at, count, expires_at)
    VALUES ('twilio:sms:auth:pg' || (:n % 50), now(), 1, now() + interval '1 minute')
    ON CONFLICT (key) DO UPDATE SET count = b.count + 1;
BEGIN;
SELECT pg_advisory_xact_lock(hashtextextended('pgbench-lead:' || :n, 0));
INSERT INTO messages (business_id, lead_id, phone_number_id, direction, participant, kind,
        from_e164, to_e164, body, twilio_sid, status, raw_payload, status_updated_at,
        created_at, updated_at)
    SELECT l.business_id, l.id, l.phone_number_id, 'inbound', 'lead', 'inbound', l.caller_e164,
           '+15125550199', '2', 'SMpg' || gen_random_uuid(), 'received',
           '{"Body": "2", "NumMedia": "0", "SmsStatus": "received"}', now(), now(), now()
    FROM bench_leads b JOIN leads l ON l.id = b.id WHERE b.n = :n;
SELECT l.id FROM bench_leads b JOIN leads l ON l.id = b.id WHERE b.n = :n FOR UPDATE OF l;
UPDATE leads SET last_inbound_at = now(), last_activity_at = now(),
        conversation_state = 'AWAITING_ZIP', urgency = 'Today', invalid_attempts = 0,
        billing_required = false, billing_block_reason = NULL, updated_at = now()
    WHERE id = (SELECT id FROM bench_leads WHERE n = :n);
WITH reply AS (
    INSERT INTO messages (business_id, lead_id, phone_number_id, direction, participant, kind,
            from_e164, to_e164, body, idempotency_key, status, status_updated_at, created_at,
            updated_at)
        SELECT l.business_id, l.id, l.phone_number_id, 'outbound', 'lead', 'prompt',
               '+15125550199', l.caller_e164,
               'Thanks. What is the ZIP code (or postal code) for the job?',
               'pg:' || gen_random_uuid(), 'pending', now(), now(), now()
        FROM bench_leads b JOIN leads l ON l.id = b.id WHERE b.n = :n
        RETURNING id, business_id)
INSERT INTO jobs (kind, idempotency_key, payload, max_attempts, next_run_at, business_id)
    SELECT 'send_sms', 'job:send:' || id, jsonb_build_object('message_id', id), 12, now(),
           business_id
    FROM reply;
SELECT pg_notify('jobs_ready', '');
UPDATE leads SET last_outbound_at = now(), nudge_scheduled_for = now() + interval '2 hours',
        updated_at = now()
    WHERE id = (SELECT id FROM bench_leads WHERE n = :n);
INSERT INTO jobs (kind, idempotency_key, payload, max_attempts, next_run_at)
    VALUES ('stall_nudge', 'job:nudge:pg' || :n, '{}', 5, now() + interval '2 hours')
    ON CONFLICT (idempotency_key) DO UPDATE SET next_run_at = EXCLUDED.next_run_at,
        status = 'queued', attempts = 0, updated_at = now();
COMMIT;
