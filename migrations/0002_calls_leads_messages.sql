-- Tracking numbers, calls, leads, messages and SMS consent (data-model.md §3.6–3.11).

CREATE TABLE phone_numbers (
    id                                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id                       uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    e164                              text NOT NULL,
    twilio_sid                        text NOT NULL,
    label                             text NOT NULL DEFAULT 'Main line',
    forwarding_number                 text NOT NULL,
    caller_id_mode                    text NOT NULL DEFAULT 'caller',
    ring_timeout_seconds              integer,
    sms_automation_enabled            boolean NOT NULL DEFAULT true,
    call_screening_enabled            boolean NOT NULL DEFAULT false,
    recording_enabled                 boolean NOT NULL DEFAULT false,
    recording_disclosure_enabled      boolean NOT NULL DEFAULT true,
    recording_disclosure_text         text NOT NULL DEFAULT 'This call may be recorded.',
    short_answer_threshold_seconds    integer,
    missed_call_say_enabled           boolean NOT NULL DEFAULT true,
    webhooks_synced_at                timestamptz,
    webhook_sync_error                text,
    status                            text NOT NULL DEFAULT 'active',
    detached_at                       timestamptz,
    released_at                       timestamptz,
    replaced_by_number_id             uuid REFERENCES phone_numbers (id) ON DELETE SET NULL,
    created_at                        timestamptz NOT NULL DEFAULT now(),
    updated_at                        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT phone_numbers_e164 CHECK (e164 ~ '^\+[1-9][0-9]{7,14}$'),
    CONSTRAINT phone_numbers_twilio_sid CHECK (twilio_sid ~ '^PN[0-9a-fA-F]{32}$'),
    CONSTRAINT phone_numbers_label_length CHECK (char_length(label) BETWEEN 1 AND 60),
    CONSTRAINT phone_numbers_forwarding_e164 CHECK (forwarding_number ~ '^\+[1-9][0-9]{7,14}$'),
    CONSTRAINT phone_numbers_forwarding_differs CHECK (forwarding_number <> e164),
    CONSTRAINT phone_numbers_caller_id_mode CHECK (caller_id_mode IN ('caller', 'tracking_number')),
    CONSTRAINT phone_numbers_ring_timeout_range CHECK (ring_timeout_seconds IS NULL OR ring_timeout_seconds BETWEEN 5 AND 90),
    CONSTRAINT phone_numbers_disclosure_length CHECK (char_length(recording_disclosure_text) BETWEEN 1 AND 200),
    CONSTRAINT phone_numbers_short_answer_range CHECK (short_answer_threshold_seconds IS NULL OR short_answer_threshold_seconds BETWEEN 5 AND 60),
    CONSTRAINT phone_numbers_status CHECK (status IN ('active', 'detached', 'released')),
    CONSTRAINT phone_numbers_detached_at CHECK (status = 'active' OR detached_at IS NOT NULL),
    CONSTRAINT phone_numbers_released_at CHECK (status <> 'released' OR released_at IS NOT NULL)
);
-- A number may appear in several rows over its life (attached elsewhere later) but only once as active.
CREATE UNIQUE INDEX phone_numbers_active_e164_key ON phone_numbers (e164) WHERE status = 'active';
CREATE UNIQUE INDEX phone_numbers_active_twilio_sid_key ON phone_numbers (twilio_sid) WHERE status = 'active';
CREATE INDEX phone_numbers_business_id_idx ON phone_numbers (business_id, status, created_at);
CREATE INDEX phone_numbers_detached_e164_idx ON phone_numbers (e164, detached_at DESC) WHERE status <> 'active';
CREATE INDEX phone_numbers_forwarding_idx ON phone_numbers (forwarding_number) WHERE status = 'active';

CREATE TABLE calls (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    call_sid                    text NOT NULL,
    business_id                 uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    phone_number_id             uuid NOT NULL REFERENCES phone_numbers (id) ON DELETE CASCADE,
    from_e164                   text,
    from_raw                    text,
    to_e164                     text NOT NULL,
    caller_kind                 text NOT NULL,
    forwarded_to                text,
    ring_timeout_used           integer,
    screening_required          boolean NOT NULL DEFAULT false,
    recording_requested         boolean NOT NULL DEFAULT false,
    call_status                 text,
    call_duration_seconds       integer,
    dial_call_sid               text,
    dial_call_status            text,
    dial_call_duration_seconds  integer,
    dial_outcome_at             timestamptz,
    screen_accepted_at          timestamptz,
    outcome                     text NOT NULL DEFAULT 'pending',
    missed_reason               text,
    ended_at                    timestamptz,
    recording_sid               text,
    recording_url               text,
    recording_status            text,
    recording_duration_seconds  integer,
    payload_log                 jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calls_call_sid_shape CHECK (char_length(call_sid) BETWEEN 1 AND 64),
    CONSTRAINT calls_from_e164 CHECK (from_e164 IS NULL OR from_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    CONSTRAINT calls_to_e164 CHECK (to_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    CONSTRAINT calls_caller_kind CHECK (caller_kind IN ('external', 'internal', 'hidden')),
    CONSTRAINT calls_hidden_has_no_e164 CHECK ((caller_kind = 'hidden') = (from_e164 IS NULL)),
    CONSTRAINT calls_outcome CHECK (outcome IN ('pending', 'answered', 'missed', 'internal', 'moved')),
    CONSTRAINT calls_missed_reason CHECK (missed_reason IS NULL OR missed_reason IN ('no_answer', 'busy', 'failed',
        'canceled', 'screening_not_accepted', 'short_answer', 'caller_hung_up')),
    CONSTRAINT calls_missed_reason_iff_missed CHECK ((outcome = 'missed') = (missed_reason IS NOT NULL)),
    CONSTRAINT calls_recording_url_https CHECK (recording_url IS NULL OR recording_url LIKE 'https://%')
);
CREATE UNIQUE INDEX calls_call_sid_key ON calls (call_sid);
CREATE INDEX calls_dial_call_sid_idx ON calls (dial_call_sid) WHERE dial_call_sid IS NOT NULL;
CREATE INDEX calls_business_created_idx ON calls (business_id, created_at DESC);
CREATE INDEX calls_business_from_created_idx ON calls (business_id, from_e164, created_at DESC);

CREATE TABLE leads (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id                 uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    phone_number_id             uuid NOT NULL REFERENCES phone_numbers (id) ON DELETE CASCADE,
    sending_number_id           uuid REFERENCES phone_numbers (id) ON DELETE SET NULL,
    caller_e164                 text NOT NULL,
    source                      text NOT NULL,
    status                      text NOT NULL DEFAULT 'NEW',
    status_changed_at           timestamptz,
    qualified_at                timestamptz,
    contacted_at                timestamptz,
    booked_at                   timestamptz,
    lost_at                     timestamptz,
    conversation_state          text NOT NULL DEFAULT 'NOT_STARTED',
    invalid_attempts            integer NOT NULL DEFAULT 0,
    service                     text,
    service_raw                 text,
    urgency                     text,
    postal_code                 text,
    postal_country              text,
    best_time                   text,
    contact_name                text,
    billing_required            boolean NOT NULL DEFAULT false,
    billing_block_reason        text,
    automation_paused           boolean NOT NULL DEFAULT false,
    automation_pause_reason     text,
    conversation_started_at     timestamptz,
    conversation_completed_at   timestamptz,
    owner_notified_at           timestamptz,
    emergency_alerted_at        timestamptz,
    completion_notified_at      timestamptz,
    handoff_notified_at         timestamptz,
    cannot_text_notified_at     timestamptz,
    -- Throttle of the "called again" owner note (at most one per 10 minutes, twilio.md §7.7).
    called_again_notified_at    timestamptz,
    nudge_scheduled_for         timestamptz,
    nudge_sent_at               timestamptz,
    last_ack_at                 timestamptz,
    relay_window_start          timestamptz,
    relay_count                 integer NOT NULL DEFAULT 0,
    unreachable_code            text,
    unreachable_pending_at      timestamptz,
    call_count                  integer NOT NULL DEFAULT 0,
    last_inbound_at             timestamptz,
    last_outbound_at            timestamptz,
    last_activity_at            timestamptz NOT NULL,
    first_owner_response_at     timestamptz,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT leads_caller_e164 CHECK (caller_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    CONSTRAINT leads_source CHECK (source IN ('call', 'sms')),
    CONSTRAINT leads_status CHECK (status IN ('NEW', 'QUALIFIED', 'CONTACTED', 'BOOKED', 'LOST')),
    CONSTRAINT leads_conversation_state CHECK (conversation_state IN ('NOT_STARTED', 'AWAITING_SERVICE',
        'AWAITING_URGENCY', 'AWAITING_ZIP', 'AWAITING_BEST_TIME', 'AWAITING_NAME', 'COMPLETED')),
    CONSTRAINT leads_invalid_attempts_range CHECK (invalid_attempts BETWEEN 0 AND 3),
    CONSTRAINT leads_service_length CHECK (service IS NULL OR char_length(service) BETWEEN 1 AND 160),
    CONSTRAINT leads_urgency CHECK (urgency IS NULL OR urgency IN ('Emergency', 'Today', 'This week', 'Quote')),
    CONSTRAINT leads_postal_country CHECK (postal_country IS NULL OR postal_country IN ('US', 'CA')),
    CONSTRAINT leads_postal_pair CHECK ((postal_code IS NULL) = (postal_country IS NULL)),
    CONSTRAINT leads_best_time CHECK (best_time IS NULL OR best_time IN ('Morning', 'Afternoon', 'Evening', 'ASAP')),
    CONSTRAINT leads_contact_name_length CHECK (contact_name IS NULL OR char_length(contact_name) BETWEEN 1 AND 80),
    CONSTRAINT leads_billing_block_reason CHECK (billing_block_reason IS NULL OR billing_block_reason IN ('billing_inactive', 'quota_reached')),
    CONSTRAINT leads_billing_flag_has_reason CHECK (billing_required = (billing_block_reason IS NOT NULL)),
    CONSTRAINT leads_pause_reason CHECK (automation_pause_reason IS NULL OR automation_pause_reason IN ('owner_takeover', 'invalid_input', 'possible_opt_out', 'manual')),
    CONSTRAINT leads_pause_has_reason CHECK (automation_paused = (automation_pause_reason IS NOT NULL)),
    CONSTRAINT leads_unreachable_code CHECK (unreachable_code IS NULL OR unreachable_code IN ('21211', '21408', '21612', '21614', '30003', '30005', '30006')),
    CONSTRAINT leads_counters_non_negative CHECK (relay_count >= 0 AND call_count >= 0)
);
CREATE INDEX leads_business_created_idx ON leads (business_id, created_at DESC, id DESC);
CREATE INDEX leads_business_status_created_idx ON leads (business_id, status, created_at DESC, id DESC);
CREATE INDEX leads_business_number_created_idx ON leads (business_id, phone_number_id, created_at DESC, id DESC);
CREATE INDEX leads_business_source_created_idx ON leads (business_id, source, created_at DESC, id DESC);
CREATE INDEX leads_business_caller_activity_idx ON leads (business_id, caller_e164, last_activity_at DESC);
CREATE INDEX leads_caller_trgm_idx ON leads USING gin (caller_e164 gin_trgm_ops);
CREATE INDEX leads_contact_name_trgm_idx ON leads USING gin (lower(contact_name) gin_trgm_ops) WHERE contact_name IS NOT NULL;
CREATE INDEX leads_sending_number_idx ON leads (sending_number_id) WHERE sending_number_id IS NOT NULL;

CREATE TABLE lead_calls (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id  uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    lead_id      uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    call_id      uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    relation     text NOT NULL,
    attached_at  timestamptz NOT NULL,
    CONSTRAINT lead_calls_relation CHECK (relation IN ('origin', 'repeat_missed', 'answered'))
);
-- A call joins at most one lead.
CREATE UNIQUE INDEX lead_calls_call_id_key ON lead_calls (call_id);
CREATE INDEX lead_calls_lead_id_idx ON lead_calls (lead_id, attached_at);

CREATE TABLE messages (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id         uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    lead_id             uuid REFERENCES leads (id) ON DELETE CASCADE,
    phone_number_id     uuid REFERENCES phone_numbers (id) ON DELETE SET NULL,
    direction           text NOT NULL,
    participant         text NOT NULL,
    kind                text NOT NULL,
    from_e164           text,
    to_e164             text,
    body                text NOT NULL DEFAULT '',
    media_count         integer NOT NULL DEFAULT 0,
    media               jsonb NOT NULL DEFAULT '[]'::jsonb,
    twilio_sid          text,
    idempotency_key     text,
    status              text NOT NULL,
    suppression_reason  text,
    error_code          text,
    error_message       text,
    attempts            integer NOT NULL DEFAULT 0,
    attempt_started_at  timestamptz,
    sent_by_user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    submitted_at        timestamptz,
    sent_at             timestamptz,
    delivered_at        timestamptz,
    failed_at           timestamptz,
    status_updated_at   timestamptz,
    status_log          jsonb NOT NULL DEFAULT '[]'::jsonb,
    raw_payload         jsonb,
    correlation_id      text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT messages_direction CHECK (direction IN ('inbound', 'outbound')),
    CONSTRAINT messages_participant CHECK (participant IN ('lead', 'owner', 'system')),
    CONSTRAINT messages_kind CHECK (
        (direction = 'inbound' AND kind = 'inbound') OR
        (direction = 'outbound' AND kind IN ('intro', 'prompt', 'reprompt', 'completion', 'handoff', 'nudge',
            'ack', 'compliance', 'owner_reply', 'owner_alert', 'relay'))),
    CONSTRAINT messages_status CHECK (
        (direction = 'inbound' AND status = 'received') OR
        (direction = 'outbound' AND status IN ('pending', 'submitting', 'accepted', 'scheduled', 'queued', 'sending',
            'sent', 'delivered', 'read', 'undelivered', 'failed', 'suppressed', 'canceled'))),
    CONSTRAINT messages_suppression_reason CHECK (
        (status = 'suppressed') = (suppression_reason IS NOT NULL) AND
        (suppression_reason IS NULL OR suppression_reason IN ('opted_out', 'billing_inactive', 'automation_paused', 'no_sender'))),
    CONSTRAINT messages_outbound_key CHECK (direction = 'outbound' OR idempotency_key IS NULL),
    -- Job keys start with "job:"; message keys never do (data-model.md §5).
    CONSTRAINT messages_key_not_job CHECK (idempotency_key IS NULL OR idempotency_key NOT LIKE 'job:%'),
    CONSTRAINT messages_body_length CHECK (char_length(body) <= 1600 OR direction = 'inbound'),
    CONSTRAINT messages_media_count CHECK (media_count >= 0),
    CONSTRAINT messages_raw_payload_inbound CHECK (raw_payload IS NULL OR direction = 'inbound')
);
CREATE UNIQUE INDEX messages_twilio_sid_key ON messages (twilio_sid) WHERE twilio_sid IS NOT NULL;
CREATE UNIQUE INDEX messages_idempotency_key_key ON messages (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX messages_lead_created_idx ON messages (lead_id, created_at) WHERE lead_id IS NOT NULL;
CREATE INDEX messages_business_to_created_idx ON messages (business_id, to_e164, created_at DESC);
CREATE INDEX messages_business_from_created_idx ON messages (business_id, from_e164, created_at DESC);

-- Consent per (business, phone). business_id is not a foreign key: opt-out proof outlives the
-- hard deletion of the business by 24 months (data-model.md §7).
CREATE TABLE sms_consent (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id       uuid NOT NULL,
    phone_e164        text NOT NULL,
    opted_out         boolean NOT NULL DEFAULT false,
    opted_out_at      timestamptz,
    opted_in_at       timestamptz,
    last_keyword      text,
    last_message_sid  text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sms_consent_phone_e164 CHECK (phone_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    CONSTRAINT sms_consent_keyword_upper CHECK (last_keyword IS NULL OR last_keyword = upper(last_keyword))
);
CREATE UNIQUE INDEX sms_consent_business_phone_key ON sms_consent (business_id, phone_e164);
