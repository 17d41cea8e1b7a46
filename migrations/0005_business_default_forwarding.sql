-- The phone calls should ring, asked at onboarding: the default forwarding phone of new
-- tracking numbers (web.md §6.1). Nullable for businesses created before it existed.
ALTER TABLE businesses ADD COLUMN default_forwarding_number text
    CONSTRAINT businesses_default_forwarding_e164 CHECK (default_forwarding_number ~ '^\+[1-9][0-9]{7,14}$');
