-- hookrelay core schema. Times are unix epoch milliseconds (INTEGER); JSON columns hold TEXT.
-- See migrations/README.md for every table, DO storage key and queue message shape.

CREATE TABLE accounts (
  id          TEXT PRIMARY KEY,              -- acc_…  ("default" is built in)
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  deleted_at  INTEGER
);
INSERT INTO accounts (id, name, created_at) VALUES ('default', 'Default account', 0);

CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,             -- key_…
  account_id   TEXT NOT NULL REFERENCES accounts(id),
  name         TEXT,
  hint         TEXT NOT NULL,                -- first characters of the key, for people to recognise it
  key_hash     TEXT NOT NULL UNIQUE,         -- hex SHA-256 of the whole key; the key itself is never stored
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
);
CREATE INDEX api_keys_account ON api_keys(account_id, id);

CREATE TABLE webhooks (
  id              TEXT PRIMARY KEY,          -- wh_…
  account_id      TEXT NOT NULL REFERENCES accounts(id),
  url             TEXT NOT NULL,
  description     TEXT,
  topics          TEXT NOT NULL,             -- JSON string[]
  active          INTEGER NOT NULL DEFAULT 1,
  status          TEXT NOT NULL DEFAULT 'active',   -- active | inactive | disabled
  disabled_reason TEXT,
  secrets         TEXT NOT NULL,             -- AES-GCM sealed JSON [{secret, expiresAt|null}], newest first
  channels        TEXT,                      -- JSON string[] | null
  sources         TEXT,                      -- JSON string[] | null
  filter          TEXT,                      -- JSON object | null
  headers         TEXT,                      -- JSON object | null
  signature       TEXT NOT NULL,             -- JSON signature profile
  delivery        TEXT NOT NULL,             -- JSON delivery settings
  metadata        TEXT,                      -- JSON object | null
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  deleted_at      INTEGER,
  last_success_at INTEGER,
  last_failure_at INTEGER
);
CREATE INDEX webhooks_account ON webhooks(account_id, deleted_at, id);

CREATE TABLE topics (
  account_id  TEXT NOT NULL,
  name        TEXT NOT NULL,
  description TEXT,
  example     TEXT,                          -- JSON
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (account_id, name)
);

CREATE TABLE sources (
  id              TEXT PRIMARY KEY,          -- src_ + 128 bits of randomness (the ingest URL is a capability)
  account_id      TEXT NOT NULL REFERENCES accounts(id),
  name            TEXT NOT NULL,
  description     TEXT,
  verification    TEXT NOT NULL,             -- JSON: type and non-secret settings
  secrets         TEXT,                      -- AES-GCM sealed JSON [{secret, expiresAt}] (several while rotating)
  topic           TEXT,                      -- JSON topic rule
  channel         TEXT,                      -- JSON channel rule
  dedupe          TEXT,                      -- JSON dedupe rule
  forward_headers TEXT,                      -- JSON string[]
  rate_limit      TEXT,                      -- JSON {perSecond} | null
  active          INTEGER NOT NULL DEFAULT 1,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  deleted_at      INTEGER
);
CREATE INDEX sources_account ON sources(account_id, deleted_at, id);

-- Accepted events. The accepting request writes the row (its one D1 round trip: store + dedupe);
-- the queue consumer fans it out and stamps fanned_out_at, so a row left unstamped is re-enqueued
-- by the cron sweeper and nothing accepted is lost.
CREATE TABLE events (
  account_id      TEXT NOT NULL,
  id              TEXT NOT NULL,             -- evt_… or the publisher's own id
  topic           TEXT NOT NULL,
  channel         TEXT,
  source_id       TEXT,
  idempotency_key TEXT,                      -- cleared by the cron after 24 h
  dedupe_key      TEXT,                      -- provider event id for inbound sources, cleared after 24 h
  content_type    TEXT NOT NULL DEFAULT 'application/json',
  payload         TEXT NOT NULL,             -- the exact body subscribers receive (UTF-8; other bodies are refused with 415)
  headers         TEXT,                      -- JSON: forwarded provider headers
  created_at      INTEGER NOT NULL,
  fanned_out_at   INTEGER,
  webhook_ids     TEXT,                      -- JSON string[]: webhooks matched at fan-out
  PRIMARY KEY (account_id, id)
);
CREATE UNIQUE INDEX events_idempotency ON events(account_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX events_dedupe ON events(account_id, source_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX events_created ON events(account_id, created_at);
CREATE INDEX events_unfanned ON events(created_at) WHERE fanned_out_at IS NULL;

-- One row per delivery attempt, written in batches by the WebhookDO.
CREATE TABLE calls (
  id              TEXT PRIMARY KEY,          -- call_…
  account_id      TEXT NOT NULL,
  webhook_id      TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  topic           TEXT NOT NULL,
  attempt         INTEGER NOT NULL,
  status          TEXT NOT NULL,             -- succeeded | failed | retrying
  http_status     INTEGER,
  duration_ms     INTEGER,
  error           TEXT,
  response_body   TEXT,
  url             TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER
);
CREATE INDEX calls_account ON calls(account_id, created_at);
CREATE INDEX calls_webhook ON calls(webhook_id, created_at);
CREATE INDEX calls_event ON calls(account_id, event_id);

-- Queue messages that exhausted the consumer's retries; kept visible for re-driving.
CREATE TABLE dead_letters (
  id          TEXT PRIMARY KEY,
  queue       TEXT NOT NULL,
  body        TEXT NOT NULL,
  attempts    INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
);
