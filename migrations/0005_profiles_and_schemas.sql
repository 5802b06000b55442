-- Platform profiles and the typed event catalog.

-- The profile a webhook was created or last updated with (`standard`, `vambe`, …). The settings it
-- supplied are stored resolved in `signature` / `delivery`, so delivery never looks a profile up;
-- this column is what the webhook object reports as `profile`.
ALTER TABLE webhooks ADD COLUMN profile TEXT NOT NULL DEFAULT 'standard';
-- Seed 004's routes find a session's webhook by its channel list, `["<sessionId>"]` exactly (one
-- webhook per session per account).
CREATE INDEX webhooks_account_channels ON webhooks(account_id, channels) WHERE deleted_at IS NULL;

-- The profile a webhook gets when its create call names none (PATCH /api/accounts/{id}).
ALTER TABLE accounts ADD COLUMN default_profile TEXT;
-- Account switches for publish-time payload validation: 0 turns validation off for every topic;
-- validate_built_in 1 turns it on for the built-in topics' inferred schemas (off by default).
ALTER TABLE accounts ADD COLUMN validate_schemas INTEGER NOT NULL DEFAULT 1;
ALTER TABLE accounts ADD COLUMN validate_built_in INTEGER NOT NULL DEFAULT 0;

-- A topic's JSON Schema (draft 2020-12) and its switch: with a schema and validate = 1, publishing
-- a payload that fails it answers 422.
ALTER TABLE topics ADD COLUMN schema TEXT;
ALTER TABLE topics ADD COLUMN validate INTEGER NOT NULL DEFAULT 1;
