-- Delivery engine: meta-event exclusion, and the indexes the consumer, call log and cron need.

-- Meta-events (webhook.disabled, delivery.exhausted) about a webhook are never delivered to that
-- webhook. Stored on the row, not only in the queue message, so the cron sweeper's re-enqueue of an
-- unfanned event keeps the exclusion.
ALTER TABLE events ADD COLUMN exclude_webhook_id TEXT;

-- Retention deletes by age across all accounts, in bounded batches.
CREATE INDEX events_created_at ON events(created_at);
CREATE INDEX calls_created ON calls(created_at);
-- The cron clears idempotency and dedupe keys after 24 h; only rows still holding one are indexed.
CREATE INDEX events_keys_created ON events(created_at) WHERE idempotency_key IS NOT NULL OR dedupe_key IS NOT NULL;
-- Hard delete of webhooks past the restore window.
CREATE INDEX webhooks_deleted ON webhooks(deleted_at) WHERE deleted_at IS NOT NULL;
-- Dead letters: one row per (queue, message body) key, newest first for the listing.
CREATE INDEX dead_letters_created ON dead_letters(created_at);
