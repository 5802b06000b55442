import { ApiError, notFound } from "../domain/errors";
import type { Webhook } from "../domain/webhook";
import { forgetAccountIndex } from "./webhook-index";
import { deleteWebhookIfVersion, getWebhook, insertWebhook, saveWebhookIfVersion } from "../store/webhooks";

/**
 * Every management write to a webhook, in one place: D1 first (by compare-and-set on `version`),
 * then the webhook's Durable Object, which delivers from its own copy and never adopts an older one.
 *
 * All or nothing. The object is told second because it is the one that may refuse (an input its
 * storage cannot hold, an object being reset); D1 is the source the consumer and the API read. If
 * telling the object fails, the D1 write is compensated by a second compare-and-set that restores the
 * previous content under a newer version (a create is removed), and the request answers 503: nothing
 * changed. The object is offered that restored version too (best effort): in the usual failure it
 * never adopted the new one, and should it have (the answer lost on the way back), its copy is
 * replaced by the next configure or by the consumer's D1 copy in enqueue, both of a newer version.
 * A compensation that itself loses a race means another writer already built on our change; theirs
 * stands and includes ours.
 */
const MAX_WRITE_ROUNDS = 8;

export async function syncWebhook(env: Env, webhook: Webhook): Promise<void> {
  forgetAccountIndex(webhook.accountId);
  await env.WEBHOOK_DO.getByName(webhook.id).configure(webhook);
}

const objectRefused = (id: string, err: unknown): ApiError => {
  console.error(JSON.stringify({ msg: "webhook object refused its config; the write was undone", webhookId: id, error: String(err) }));
  return new ApiError("upstream_unavailable", `Webhook ${id} could not be updated right now; nothing was changed. Try again.`);
};

/**
 * `insert` may decline (the WhatsApp session API's one-webhook-per-session insert, when a concurrent request made
 * the session's webhook first): then nothing was written and the answer is null.
 */
export async function createWebhook(env: Env, webhook: Webhook): Promise<Webhook>;
export async function createWebhook(env: Env, webhook: Webhook, insert: (db: D1Database, w: Webhook) => Promise<boolean>): Promise<Webhook | null>;
export async function createWebhook(
  env: Env,
  webhook: Webhook,
  insert: (db: D1Database, w: Webhook) => Promise<boolean | void> = insertWebhook,
): Promise<Webhook | null> {
  const created = { ...webhook, version: 1 };
  if ((await insert(env.DB, created)) === false) return null;
  try {
    await syncWebhook(env, created);
  } catch (err) {
    await deleteWebhookIfVersion(env.DB, created.id, created.version);
    throw objectRefused(created.id, err);
  }
  return created;
}

/**
 * Re-reads the row and re-applies `apply` until its compare-and-set wins, so two concurrent patches
 * (a pause and a description change) both take effect, and a patch racing a delete finds the row
 * deleted (getWebhook hides it: 404) instead of bringing it back.
 */
export async function updateWebhook(
  env: Env,
  accountId: string,
  id: string,
  apply: (current: Webhook) => Webhook | Promise<Webhook>,
  opts: { includeDeleted?: boolean } = {},
): Promise<Webhook> {
  for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
    const current = await getWebhook(env.DB, accountId, id, opts);
    if (!current) throw notFound("Webhook", id);
    const next: Webhook = { ...(await apply(current)), version: current.version + 1 };
    if (!(await saveWebhookIfVersion(env.DB, next, current.version))) continue;
    try {
      await syncWebhook(env, next);
    } catch (err) {
      const restored: Webhook = { ...current, version: next.version + 1, updatedAt: Date.now() };
      if (await saveWebhookIfVersion(env.DB, restored, next.version)) await syncWebhook(env, restored).catch(() => undefined);
      throw objectRefused(id, err);
    }
    return next;
  }
  throw new ApiError("conflict", `Webhook ${id} is being changed by other requests; try again`);
}
