import { createRoute, z } from "@hono/zod-openapi";
import { updateWebhook } from "../delivery/webhook-writes";
import { errorResponses, jsonResponse, optionalBody, optionalJsonBody } from "./route-docs";
import { isoTime } from "../lib/time";
import { failIfAny } from "../domain/errors";
import { revealSecrets, rotateSecrets } from "../domain/secrets";
import { WebhookOut } from "../domain/webhook";
import { openSecrets, sealSecrets } from "../signing/sealed-secrets";
import { freshSigningSecret, shownSecret } from "../signing/secret-material";
import { openHeaders } from "../signing/sealed-headers";
import { signingSecretIssues } from "./webhook-input";
import { loadWebhook, WEBHOOK_OPS, WebhookIdParams, webhookRoutes } from "./webhook-shared";
import { assertInScope } from "./scope";
import { webhookOut } from "./webhooks";

/** A webhook's sealed values: rotating and revealing its signing secret, revealing its own headers. */
export const webhookSecrets = webhookRoutes();

const { tags, security } = WEBHOOK_OPS;

const MAX_GRACE_SECONDS = 7 * 86_400;

const RotateBody = z
  .object({
    graceSeconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).default(86_400).openapi({ description: "How long the old secret keeps signing beside the new one (0..7 days, default 24 h)" }),
    secret: z.string().min(16).max(256).optional().openapi({ description: "The new secret (generated when absent)" }),
  })
  .strict()
  .openapi("RotateSecret");

webhookSecrets.openapi(
  createRoute({
    method: "post", path: "/{id}/rotate-secret", tags, security, summary: "Rotate the signing secret",
    description: "Deliveries carry a signature for each live secret (space-separated `webhook-signature`) until the old one expires, so receivers can switch without downtime. hmac-sha256 profile headers carry only the newest secret.",
    request: { params: WebhookIdParams, ...optionalJsonBody(RotateBody) },
    responses: { 200: jsonResponse(WebhookOut, "The webhook, with its new secret"), ...errorResponses },
  }),
  async (c) => {
    const body = optionalBody(RotateBody, c.req.valid("json"));
    const key = c.var.config.ENCRYPTION_KEY;
    let shown: string | undefined;
    const next = await updateWebhook(c.env, c.var.auth.accountId, c.req.valid("param").id, async (current) => {
      assertInScope(c, current);
      // ed25519: a new key pair (a sent secret cannot be a key pair); otherwise the sent or a generated secret.
      failIfAny(signingSecretIssues(current.signature, body.secret, "rotates"));
      const fresh = await freshSigningSecret(current.signature, body.secret);
      const now = Date.now();
      const secrets = rotateSecrets(await openSecrets(current.sealedSecrets, key), fresh.entry, body.graceSeconds, now);
      shown = shownSecret(fresh.entry);
      return { ...current, signature: fresh.signature, sealedSecrets: await sealSecrets(secrets, key), updatedAt: now };
    });
    return c.json(webhookOut(next, shown), 200);
  },
);

webhookSecrets.openapi(
  createRoute({
    method: "get", path: "/{id}/secret", tags: ["Webhooks"], security, summary: "Reveal a webhook's signing secret",
    request: { params: WebhookIdParams },
    responses: {
      200: jsonResponse(
        z
          .object({
            secret: z.string().optional().openapi({ description: "The HMAC secret (absent for ed25519: its private key is never shown)" }),
            publicKey: z.string().optional().openapi({ description: "ed25519: the current public key (whpk_…)" }),
            previous: z.array(z.object({ expiresAt: z.string(), publicKey: z.string().optional() })),
          })
          .openapi("WebhookSecret"),
        "The current secret (or public key), and when rotated-out ones stop signing",
      ),
      ...errorResponses,
    },
  }),
  async (c) => {
    const w = await loadWebhook(c, c.req.valid("param").id);
    const { current, previous } = revealSecrets(await openSecrets(w.sealedSecrets, c.var.config.ENCRYPTION_KEY), Date.now());
    return c.json({
      ...(current?.publicKey ? { publicKey: current.publicKey } : { secret: current?.secret }),
      previous: previous.map((s) => ({ expiresAt: isoTime(s.expiresAt)!, ...(s.publicKey ? { publicKey: s.publicKey } : {}) })),
    }, 200);
  },
);

webhookSecrets.openapi(
  createRoute({
    method: "get", path: "/{id}/headers", tags: ["Webhooks"], security, summary: "Reveal a webhook's own request headers",
    description: "Header values are sealed at rest and masked everywhere else; this is the one place they are shown.",
    request: { params: WebhookIdParams },
    responses: {
      200: jsonResponse(z.object({ headers: z.record(z.string(), z.string()).nullable() }).openapi("WebhookHeaders"), "The headers sent with every delivery"),
      ...errorResponses,
    },
  }),
  async (c) => {
    const w = await loadWebhook(c, c.req.valid("param").id);
    return c.json({ headers: await openHeaders(w.sealedHeaders, c.var.config.ENCRYPTION_KEY) }, 200);
  },
);
