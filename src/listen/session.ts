import { newId } from "../domain/ids";
import { listenUrl } from "../domain/listen-url";
import { DeliverySettings, statusAfterUpdate, type Webhook } from "../domain/webhook";
import { createWebhook, updateWebhook } from "../delivery/webhook-writes";
import { openSecrets, sealSecrets } from "../signing/sealed-secrets";
import { generateWebhookSecret } from "../signing/secret-material";
import * as store from "../store/webhooks";

/**
 * The temporary webhook behind a `hookrelay listen` session: created by the listen route, paused
 * by the session object when the CLI goes away, resumed when it comes back, deleted when it does
 * not come back within LISTEN_HOLD_MS. The session id is the webhook's id.
 */

/** How long a disconnected session keeps what waits for it before the webhook is deleted. */
export const LISTEN_HOLD_MS = 10 * 60_000;

export const LISTEN_DESCRIPTION = "hookrelay listen session (temporary)";

export interface ListenFilters {
  topics: string[];
  channels: string[] | null;
  sources: string[] | null;
}

export async function createListenWebhook(env: Env, accountId: string, filters: ListenFilters, encryptionKey: string) {
  const id = newId("wh");
  const secret = generateWebhookSecret();
  const now = Date.now();
  const webhook: Webhook = {
    id, accountId, url: listenUrl(id), description: LISTEN_DESCRIPTION,
    topics: [...new Set(filters.topics)], active: true, status: "active", disabledReason: null,
    sealedSecrets: await sealSecrets([{ secret, expiresAt: null }], encryptionKey),
    channels: filters.channels, sources: filters.sources, filter: null, sealedHeaders: null, headerNames: null,
    profile: "standard", signature: { scheme: "standard" }, delivery: DeliverySettings.parse({}), metadata: { hookrelayListen: true },
    createdAt: now, updatedAt: now, deletedAt: null, lastSuccessAt: null, lastFailureAt: null, version: 1,
  };
  return { webhook: await createWebhook(env, webhook), secret };
}

export async function listenSecret(webhook: Webhook, encryptionKey: string): Promise<string> {
  const secrets = await openSecrets(webhook.sealedSecrets, encryptionKey);
  return secrets[0]!.secret;
}

/** Pauses (deliveries wait) or resumes the session's webhook; null when it no longer exists. */
export async function setListenActive(env: Env, accountId: string, webhookId: string, active: boolean): Promise<Webhook | null> {
  const current = await store.getWebhook(env.DB, accountId, webhookId);
  if (!current) return null;
  if (current.active === active && current.status === (active ? "active" : "inactive")) return current;
  return updateWebhook(env, accountId, webhookId, (w) => ({ ...w, active, status: statusAfterUpdate(w.status, active), disabledReason: null, updatedAt: Date.now() }));
}

/** Ends a session for good: the webhook is deleted and what waited for it is dropped. */
export async function endListenWebhook(env: Env, accountId: string, webhookId: string): Promise<void> {
  const current = await store.getWebhook(env.DB, accountId, webhookId);
  if (current) {
    await updateWebhook(env, accountId, webhookId, (w) => {
      const now = Date.now();
      return { ...w, active: false, status: "inactive", deletedAt: now, updatedAt: now };
    });
  }
  await env.WEBHOOK_DO.getByName(webhookId).clearQueue();
}
