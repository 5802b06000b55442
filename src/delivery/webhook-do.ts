import { DurableObject } from "cloudflare:workers";

/** One per webhook: orders, sends, retries and tracks failures. Filled in by the delivery engine. */
export class WebhookDO extends DurableObject<Env> {}
