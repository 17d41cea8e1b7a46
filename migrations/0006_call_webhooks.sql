-- Call webhooks: cached tracking-number lookups are dropped on `numbers_changed` (twilio.md
-- §6.5) when a number or the business settings a call uses change; capped payload logs.

CREATE FUNCTION notify_numbers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('numbers_changed', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER phone_numbers_changed AFTER INSERT OR UPDATE OR DELETE ON phone_numbers
    FOR EACH STATEMENT EXECUTE FUNCTION notify_numbers_changed();

CREATE TRIGGER businesses_changed AFTER UPDATE OR DELETE ON businesses
    FOR EACH STATEMENT EXECUTE FUNCTION notify_numbers_changed();

-- `log` with `entry` appended, keeping the newest `keep` entries (calls.payload_log keeps 10).
CREATE FUNCTION jsonb_append_capped(log jsonb, entry jsonb, keep integer) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(jsonb_agg(e ORDER BY i), '[]'::jsonb)
    FROM jsonb_array_elements(COALESCE(log, '[]'::jsonb) || jsonb_build_array(entry))
         WITH ORDINALITY AS t(e, i)
    WHERE i > jsonb_array_length(COALESCE(log, '[]'::jsonb)) + 1 - keep
$$;
