import { z } from "@hono/zod-openapi";
import type { SecretEntry } from "../../domain/secrets";
import type { Webhook } from "../../domain/webhook";
import { openSecrets } from "../../signing/sealed-secrets";
import { openWebhookHeaders } from "../../signing/sealed-headers";
import type { AttemptRequest } from "../dispatch";
import { parseStored, safeJson } from "./stored";

/**
 * The one step between a queued delivery and dispatch.ts: unseals the signing secrets (cached per
 * sealed value) and the webhook's own headers and builds the AttemptRequest. Anything that must be decided or unsealed at send
 * time belongs here, so the alarm loop stays unaware of it.
 */
export interface PendingDelivery {
  eventId: string;
  topic: string;
  payload: string;
  contentType: string;
  /** As stored: a JSON object of provider headers, or null. */
  headers: string | null;
}

const ForwardedHeaders = z.record(z.string(), z.string());

export type Prepared = { ok: true; request: AttemptRequest } | { ok: false; error: string };

export class Preparer {
  private secretsCache: { sealed: string; secrets: SecretEntry[] } | null = null;

  constructor(private readonly settings: () => { encryptionKey: string; allowPrivateDestinations: boolean }) {}

  async prepare(config: Webhook, d: PendingDelivery, attemptNo: number): Promise<Prepared> {
    const { encryptionKey, allowPrivateDestinations } = this.settings();
    let secrets: SecretEntry[];
    let webhookHeaders: Record<string, string> | null;
    try {
      secrets = await this.secrets(config, encryptionKey);
      webhookHeaders = await openWebhookHeaders(config, encryptionKey);
    } catch (err) {
      return { ok: false, error: `could not read the signing secret: ${String(err)}`.slice(0, 300) };
    }
    // A stored header map that does not parse is left out (and logged); the delivery still goes.
    const forwardedHeaders = d.headers === null ? null : (parseStored(ForwardedHeaders, `deliveries:${d.eventId}:headers`, safeJson(d.headers), config.id) ?? null);
    return {
      ok: true,
      request: {
        url: config.url,
        msgId: d.eventId,
        topic: d.topic,
        attempt: attemptNo,
        body: d.payload,
        contentType: d.contentType,
        forwardedHeaders,
        webhookHeaders,
        profile: config.signature,
        secrets,
        timeoutMs: config.delivery.timeoutMs,
        // Checked again at send time: a webhook made while private destinations were allowed stops when they are not.
        allowPrivateDestinations,
      },
    };
  }

  private async secrets(config: Webhook, encryptionKey: string): Promise<SecretEntry[]> {
    if (this.secretsCache?.sealed !== config.sealedSecrets) {
      const secrets = await openSecrets(config.sealedSecrets, encryptionKey);
      this.secretsCache = { sealed: config.sealedSecrets, secrets };
    }
    return this.secretsCache.secrets;
  }
}
