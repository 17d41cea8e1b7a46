-- Usage quota, the Stripe event inbox and the optional integrations (data-model.md §3.12–3.18).

CREATE TABLE usage_counters (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id          uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    -- YYYY-MM of the business-local month, computed at claim time.
    period               text NOT NULL,
    conversations_used   integer NOT NULL DEFAULT 0,
    limit_alert_sent_at  timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT usage_counters_period CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    CONSTRAINT usage_counters_used_non_negative CHECK (conversations_used >= 0)
);
CREATE UNIQUE INDEX usage_counters_business_period_key ON usage_counters (business_id, period);

CREATE TABLE stripe_events (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id        text NOT NULL,
    type            text NOT NULL,
    api_version     text,
    livemode        boolean NOT NULL DEFAULT false,
    event_created   timestamptz,
    -- The raw JSON text exactly as received (json, not jsonb, keeps it byte-identical);
    -- nulled by the purge after 30 days.
    payload         json,
    received_at     timestamptz NOT NULL,
    processed_at    timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    business_id     uuid REFERENCES businesses (id) ON DELETE SET NULL,
    CONSTRAINT stripe_events_event_id_shape CHECK (char_length(event_id) BETWEEN 1 AND 255)
);
CREATE UNIQUE INDEX stripe_events_event_id_key ON stripe_events (event_id);
CREATE INDEX stripe_events_processed_at_idx ON stripe_events (processed_at);

CREATE TABLE airtable_connections (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id        uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    base_id            text NOT NULL,
    api_key_encrypted  bytea NOT NULL,
    calls_table        text NOT NULL,
    leads_table        text NOT NULL,
    config_table       text,
    status             text NOT NULL DEFAULT 'active',
    last_error         text,
    last_pushed_at     timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT airtable_connections_base_id CHECK (base_id ~ '^app[A-Za-z0-9]{14}$'),
    CONSTRAINT airtable_connections_status CHECK (status IN ('active', 'error'))
);
CREATE UNIQUE INDEX airtable_connections_business_id_key ON airtable_connections (business_id);

CREATE TABLE webhook_endpoints (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id       uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    url               text NOT NULL,
    secret_encrypted  bytea NOT NULL,
    events            text[] NOT NULL DEFAULT '{}',
    enabled           boolean NOT NULL DEFAULT true,
    disabled_reason   text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_endpoints_url CHECK (url ~ '^https?://'),
    CONSTRAINT webhook_endpoints_events CHECK (events <@ ARRAY['lead.created', 'lead.qualified', 'lead.completed',
        'lead.status_changed', 'message.received']::text[]),
    CONSTRAINT webhook_endpoints_disabled_reason CHECK (disabled_reason IS NULL OR disabled_reason = 'gone')
);
CREATE INDEX webhook_endpoints_business_id_idx ON webhook_endpoints (business_id);

CREATE TABLE webhook_events (
    id           text PRIMARY KEY,
    business_id  uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    type         text NOT NULL,
    -- The exact bytes sent; retries and resends reuse them.
    body         bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    CONSTRAINT webhook_events_id_shape CHECK (id ~ '^evt_[0-9a-f-]{36}$'),
    CONSTRAINT webhook_events_type CHECK (type IN ('ping', 'lead.created', 'lead.qualified', 'lead.completed',
        'lead.status_changed', 'message.received'))
);
CREATE INDEX webhook_events_business_created_idx ON webhook_events (business_id, created_at DESC);

CREATE TABLE webhook_deliveries (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id  uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    endpoint_id  uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id     text NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    attempt      integer NOT NULL,
    status_code  integer,
    duration_ms  integer,
    error        text,
    at           timestamptz NOT NULL,
    CONSTRAINT webhook_deliveries_attempt CHECK (attempt >= 1)
);
CREATE INDEX webhook_deliveries_endpoint_at_idx ON webhook_deliveries (endpoint_id, at DESC);
