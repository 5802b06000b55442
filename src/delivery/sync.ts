import type { Webhook } from "../domain/webhook";
import { forgetAccountIndex } from "./webhook-index";

/**
 * Pushes a webhook's current config to its Durable Object, so a delivery never needs a D1 read.
 * Called by the management API after every change (create, update, delete, restore, rotate).
 */
export async function syncWebhook(env: Env, webhook: Webhook): Promise<void> {
  forgetAccountIndex(webhook.accountId);
  await env.WEBHOOK_DO.getByName(webhook.id).configure(webhook);
}
