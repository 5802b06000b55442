-- Webhook headers are sealed at rest (src/signing/sealed-headers.ts): `headers` now holds the
-- AES-GCM sealed JSON object (`v1.<iv>.<data>`), and `header_names` the names, in the clear, that
-- GET and list show with masked values. SQL cannot encrypt, so rows written before this migration
-- keep their JSON in `headers` (read as such) until the webhook is next saved, which seals it.
ALTER TABLE webhooks ADD COLUMN header_names TEXT;  -- JSON string[] | null
UPDATE webhooks SET header_names = (SELECT json_group_array(key) FROM json_each(webhooks.headers))
  WHERE headers IS NOT NULL AND json_valid(headers);
