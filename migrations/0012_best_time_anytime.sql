-- "4 Anytime" is stored and shown as Anytime (issue 22): the caller chose "Anytime", not
-- "ASAP", and the lead page showed a word they never said.
ALTER TABLE leads DROP CONSTRAINT leads_best_time;
UPDATE leads SET best_time = 'Anytime' WHERE best_time = 'ASAP';
ALTER TABLE leads ADD CONSTRAINT leads_best_time
    CHECK (best_time IS NULL OR best_time IN ('Morning', 'Afternoon', 'Evening', 'Anytime'));
