-- Indexes for the dashboard's per-request summaries (web.md §5, billing.md §9.2), found by the
-- lead-list benchmark: without them every list view scanned the business's messages (carrier
-- block banners) and leads (blocked-lead count).
CREATE INDEX messages_business_error_idx ON messages (business_id, error_code, updated_at DESC)
    WHERE error_code IS NOT NULL;
CREATE INDEX leads_business_blocked_idx ON leads (business_id)
    WHERE billing_required AND conversation_state = 'NOT_STARTED';
