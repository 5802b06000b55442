-- Traffic out of D1 (issue 10): events, their payloads and dedupe keys move into EventStore
-- Durable Objects (one per account, UTC day and shard; src/traffic/). D1 keeps what grows with
-- tenants: a registry of those partitions (one row per partition, not per event) and an index of
-- webhooks by channel for the consumer's fan-out. There is no production deployment yet, so the old
-- events are not copied. See migrations/README.md.

DROP INDEX IF EXISTS events_idempotency;
DROP INDEX IF EXISTS events_dedupe;
DROP INDEX IF EXISTS events_created;
DROP INDEX IF EXISTS events_unfanned;
DROP INDEX IF EXISTS events_created_at;
DROP INDEX IF EXISTS events_keys_created;
DROP TABLE IF EXISTS events;

-- One row per EventStore object that holds data, written once by the object itself before its
-- first events (so a listing never misses a partition that answered 202), removed by the object
-- when retention deletes it. `shards` is EVENT_SHARDS when the partition was made: with it a lookup
-- by id knows which shard of each day can hold that id, even after EVENT_SHARDS changed.
CREATE TABLE event_partitions (
  account_id  TEXT NOT NULL,
  window      INTEGER NOT NULL,              -- UTC day number (epoch ms / 86400000, floored)
  shard       INTEGER NOT NULL,
  shards      INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (account_id, window, shard)
);
-- The sweeper (partitions of the last 24 h, all accounts) and the retention backstop.
CREATE INDEX event_partitions_window ON event_partitions(window);

-- Webhooks by channel, for the consumer: an event on channel C is matched only against the
-- webhooks on C and the channel-less ones (channel ''), never against all of an account's
-- webhooks. Kept by triggers on `webhooks`, so every writer of a webhook row (the management API,
-- the seed-compatible routes, the hard delete) keeps it right in the same statement. Rows of
-- soft-deleted webhooks stay (a restore needs them); the consumer's lookup joins them away.
CREATE TABLE webhook_channels (
  account_id  TEXT NOT NULL,
  channel     TEXT NOT NULL,                 -- '' = the webhook has no channels (it takes every channel)
  webhook_id  TEXT NOT NULL,
  PRIMARY KEY (account_id, channel, webhook_id)
) WITHOUT ROWID;
CREATE INDEX webhook_channels_webhook ON webhook_channels(webhook_id);

INSERT OR IGNORE INTO webhook_channels (account_id, channel, webhook_id)
  SELECT w.account_id, j.value, w.id FROM webhooks w, json_each(COALESCE(w.channels, '[]')) j;
INSERT OR IGNORE INTO webhook_channels (account_id, channel, webhook_id)
  SELECT account_id, '', id FROM webhooks WHERE json_array_length(COALESCE(channels, '[]')) = 0;

CREATE TRIGGER webhook_channels_on_insert AFTER INSERT ON webhooks BEGIN
  INSERT OR IGNORE INTO webhook_channels (account_id, channel, webhook_id)
    SELECT NEW.account_id, j.value, NEW.id FROM json_each(COALESCE(NEW.channels, '[]')) j;
  INSERT OR IGNORE INTO webhook_channels (account_id, channel, webhook_id)
    SELECT NEW.account_id, '', NEW.id WHERE json_array_length(COALESCE(NEW.channels, '[]')) = 0;
END;

CREATE TRIGGER webhook_channels_on_update AFTER UPDATE OF channels, account_id ON webhooks
  WHEN OLD.channels IS NOT NEW.channels OR OLD.account_id IS NOT NEW.account_id BEGIN
  DELETE FROM webhook_channels WHERE webhook_id = OLD.id;
  INSERT OR IGNORE INTO webhook_channels (account_id, channel, webhook_id)
    SELECT NEW.account_id, j.value, NEW.id FROM json_each(COALESCE(NEW.channels, '[]')) j;
  INSERT OR IGNORE INTO webhook_channels (account_id, channel, webhook_id)
    SELECT NEW.account_id, '', NEW.id WHERE json_array_length(COALESCE(NEW.channels, '[]')) = 0;
END;

CREATE TRIGGER webhook_channels_on_delete AFTER DELETE ON webhooks BEGIN
  DELETE FROM webhook_channels WHERE webhook_id = OLD.id;
END;

-- The call log moves too: each webhook's Durable Object keeps its own attempts, and the CallLog
-- objects (account, day, shard) the account-wide index. Nothing writes D1 per delivery any more.
DROP INDEX IF EXISTS calls_account;
DROP INDEX IF EXISTS calls_webhook;
DROP INDEX IF EXISTS calls_event;
DROP INDEX IF EXISTS calls_created;
DROP TABLE IF EXISTS calls;
