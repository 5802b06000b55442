-- One owner per piece of webhook state (issue 10 item 6): every write to a webhook row is a
-- compare-and-set on `version`, which only grows. The management API retries a lost race by
-- re-reading and re-applying its patch; the delivery side's disable (410, 24 h of failures) applies
-- only to the version its Durable Object holds, so it never overrides a pause or delete made meanwhile.
ALTER TABLE webhooks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
