import { DurableObject } from "cloudflare:workers";
import type { Webhook } from "../domain/webhook";

/** One per webhook: orders, sends, retries and tracks failures. */
export class WebhookDO extends DurableObject<Env> {
  /** The management API's copy of the webhook; the DO delivers from this, never from D1. */
  async configure(webhook: Webhook): Promise<void> {
    this.ctx.storage.kv.put("config", webhook);
  }
}
