-- Accounts, businesses, the job queue and platform tables.
-- Enumerations are text with CHECK constraints (values exactly as in the spec, data-model.md §4),
-- so adding a value later is a constraint change rather than an enum-type migration.
-- Time columns are timestamptz (UTC instants). Decisions never use now(): the application binds
-- its injectable clock; now() appears only in informational defaults such as created_at.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email           text NOT NULL,
    password_hash   text NOT NULL,
    display_name    text,
    security_stamp  text NOT NULL,
    last_login_at   timestamptz,
    disabled_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_normalised CHECK (email = lower(btrim(email))),
    CONSTRAINT users_email_shape CHECK (char_length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 0),
    CONSTRAINT users_display_name_length CHECK (display_name IS NULL OR char_length(display_name) BETWEEN 1 AND 80)
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE businesses (
    id                              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                            text NOT NULL,
    timezone                        text NOT NULL DEFAULT 'America/New_York',
    notify_phone                    text NOT NULL,
    notify_failure_code             text,
    notify_failure_at               timestamptz,
    service_label_1                 text NOT NULL DEFAULT 'Repair',
    service_label_2                 text DEFAULT 'Install',
    service_label_3                 text DEFAULT 'Maintenance',
    default_ring_timeout_seconds    integer NOT NULL DEFAULT 20,
    greeting_text                   text,
    quiet_hours_start               time NOT NULL DEFAULT '21:00',
    quiet_hours_end                 time NOT NULL DEFAULT '08:00',
    repeat_caller_window_hours      integer NOT NULL DEFAULT 24,
    stall_nudge_enabled             boolean NOT NULL DEFAULT true,
    stall_nudge_delay_minutes       integer NOT NULL DEFAULT 120,
    relay_to_owner_enabled          boolean NOT NULL DEFAULT true,
    relay_max_per_hour              integer NOT NULL DEFAULT 5,
    emergency_alert_enabled         boolean NOT NULL DEFAULT true,
    agents_can_play_recordings      boolean NOT NULL DEFAULT false,
    stripe_customer_id              text,
    stripe_subscription_id          text,
    stripe_price_id                 text,
    subscription_status             text NOT NULL DEFAULT 'INACTIVE',
    subscription_period_end         timestamptz,
    subscription_synced_at          timestamptz,
    deleted_at                      timestamptz,
    created_at                      timestamptz NOT NULL DEFAULT now(),
    updated_at                      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT businesses_name_length CHECK (char_length(name) BETWEEN 2 AND 120),
    CONSTRAINT businesses_notify_phone_e164 CHECK (notify_phone ~ '^\+[1-9][0-9]{7,14}$'),
    CONSTRAINT businesses_label_1_length CHECK (char_length(service_label_1) BETWEEN 1 AND 40),
    CONSTRAINT businesses_label_2_length CHECK (service_label_2 IS NULL OR char_length(service_label_2) BETWEEN 1 AND 40),
    CONSTRAINT businesses_label_3_length CHECK (service_label_3 IS NULL OR char_length(service_label_3) BETWEEN 1 AND 40),
    CONSTRAINT businesses_label_3_needs_2 CHECK (service_label_3 IS NULL OR service_label_2 IS NOT NULL),
    CONSTRAINT businesses_ring_timeout_range CHECK (default_ring_timeout_seconds BETWEEN 5 AND 90),
    CONSTRAINT businesses_greeting CHECK (greeting_text IS NULL OR (char_length(greeting_text) BETWEEN 1 AND 160 AND position('{business}' IN greeting_text) > 0)),
    CONSTRAINT businesses_repeat_window_range CHECK (repeat_caller_window_hours BETWEEN 1 AND 168),
    CONSTRAINT businesses_nudge_delay_range CHECK (stall_nudge_delay_minutes BETWEEN 30 AND 1440),
    CONSTRAINT businesses_relay_max_range CHECK (relay_max_per_hour BETWEEN 1 AND 30),
    CONSTRAINT businesses_subscription_status CHECK (subscription_status IN ('INACTIVE', 'ACTIVE', 'PAST_DUE', 'CANCELED'))
);
CREATE UNIQUE INDEX businesses_stripe_customer_id_key ON businesses (stripe_customer_id) WHERE stripe_customer_id IS NOT NULL;
CREATE INDEX businesses_stripe_subscription_id_idx ON businesses (stripe_subscription_id) WHERE stripe_subscription_id IS NOT NULL;

CREATE TABLE memberships (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    business_id  uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    role         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT memberships_role CHECK (role IN ('owner', 'agent'))
);
-- Version 1: a user belongs to at most one business (the shape allows several later).
CREATE UNIQUE INDEX memberships_user_id_key ON memberships (user_id);
CREATE INDEX memberships_business_id_idx ON memberships (business_id);

CREATE TABLE invitations (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id  uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    role         text NOT NULL,
    token_hash   text NOT NULL,
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    accepted_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invitations_role CHECK (role IN ('owner', 'agent')),
    CONSTRAINT invitations_token_hash_sha256 CHECK (token_hash ~ '^[0-9a-f]{64}$')
);
CREATE UNIQUE INDEX invitations_token_hash_key ON invitations (token_hash);
CREATE INDEX invitations_business_id_idx ON invitations (business_id);

CREATE TABLE password_resets (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  text NOT NULL,
    -- The owner's user id, or the literal 'operator' for the CLI.
    created_by  text NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT password_resets_token_hash_sha256 CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    CONSTRAINT password_resets_created_by CHECK (created_by = 'operator' OR created_by ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
);
CREATE UNIQUE INDEX password_resets_token_hash_key ON password_resets (token_hash);
CREATE INDEX password_resets_user_id_idx ON password_resets (user_id);

-- Append-only. business_id and actor_user_id are deliberately not foreign keys: audit rows
-- outlive the hard deletion of a business (24 months) and of a user (operations.md §2).
CREATE TABLE audit_log (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    at              timestamptz NOT NULL,
    business_id     uuid,
    actor_type      text NOT NULL,
    actor_user_id   uuid,
    action          text NOT NULL,
    target_type     text,
    target_id       text,
    changes         jsonb NOT NULL DEFAULT '{}'::jsonb,
    ip              text,
    correlation_id  text,
    -- Form-nonce keys of actions that must happen once per submit (e.g. buy_number:<nonce>).
    idempotency_key text,
    CONSTRAINT audit_log_actor_type CHECK (actor_type IN ('user', 'system', 'twilio', 'stripe', 'operator')),
    CONSTRAINT audit_log_action_shape CHECK (action ~ '^[a-z_]+\.[a-z_]+$')
);
CREATE INDEX audit_log_business_at_idx ON audit_log (business_id, at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, at DESC);
CREATE UNIQUE INDEX audit_log_idempotency_key_key ON audit_log (idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log rows are never updated' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

-- Fixed-window counters shared by every instance (rate limits, alert throttles, Airtable pacing).
CREATE TABLE rate_limit_buckets (
    key                text PRIMARY KEY,
    window_started_at  timestamptz NOT NULL,
    count              integer NOT NULL DEFAULT 0,
    expires_at         timestamptz NOT NULL,
    CONSTRAINT rate_limit_buckets_count_non_negative CHECK (count >= 0)
);
CREATE INDEX rate_limit_buckets_expires_at_idx ON rate_limit_buckets (expires_at);

-- One row; every running worker touches it every 30 s; read at startup to detect an outage.
CREATE TABLE service_heartbeat (
    id            boolean PRIMARY KEY DEFAULT true,
    last_seen_at  timestamptz NOT NULL,
    CONSTRAINT service_heartbeat_single_row CHECK (id)
);

-- The outbox and job queue (operations.md §7). Kept free of foreign keys so it stays a small
-- reference table when tenant tables are distributed by business_id (operations.md §10).
CREATE TABLE jobs (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind             text NOT NULL,
    payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
    idempotency_key  text NOT NULL,
    status           text NOT NULL DEFAULT 'queued',
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL,
    next_run_at      timestamptz NOT NULL,
    rerun_requested  boolean NOT NULL DEFAULT false,
    locked_until     timestamptz,
    locked_by        text,
    last_error       text,
    business_id      uuid,
    correlation_id   text,
    finished_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT jobs_kind CHECK (kind IN ('send_sms', 'finalize_call', 'stall_nudge', 'process_stripe_event',
        'twilio_reconcile', 'airtable_push', 'webhook_deliver', 'delete_business', 'purge', 'rate_limit_cleanup')),
    CONSTRAINT jobs_status CHECK (status IN ('queued', 'running', 'succeeded', 'dead', 'canceled')),
    CONSTRAINT jobs_key_prefix CHECK (idempotency_key LIKE 'job:%'),
    CONSTRAINT jobs_attempts_range CHECK (attempts >= 0 AND max_attempts >= 1),
    CONSTRAINT jobs_running_has_lease CHECK (status <> 'running' OR (locked_until IS NOT NULL AND locked_by IS NOT NULL))
);
CREATE UNIQUE INDEX jobs_idempotency_key_key ON jobs (idempotency_key);
CREATE INDEX jobs_status_next_run_at_idx ON jobs (status, next_run_at);
CREATE INDEX jobs_business_id_idx ON jobs (business_id, status) WHERE business_id IS NOT NULL;
