import { createRoute, z } from "@hono/zod-openapi";
import { testDeliveryToUrl, testPayloadText } from "../delivery/url-test";
import { CallOut, callOut } from "../domain/call";
import { errorResponses, jsonBody, jsonResponse, optionalBody, optionalJsonBody } from "./route-docs";
import { destinationIssues } from "../domain/destination";
import { failIfAny } from "../domain/errors";
import { DEFAULT_TIMEOUT_MS, SignatureProfile } from "../domain/webhook";
import { generateWebhookSecret } from "../signing/secret-material";
import { loadWebhook, WEBHOOK_OPS, WebhookIdParams, webhookObject, webhookRoutes } from "./webhook-shared";

/**
 * Test deliveries: to a webhook (`POST /{id}/test`, signed with its secret and headers, logged in
 * its call log) and to any URL (`POST /test`, not logged). Both are sent at once and not retried.
 */
export const webhookTests = webhookRoutes();

const { tags, security } = WEBHOOK_OPS;

const TestBody = z
  .object({
    topic: z.string().min(1).max(200).default("test"),
    payload: z.unknown().optional().openapi({ description: "Any JSON value (a small sample is sent when absent)" }),
  })
  .strict()
  .openapi("WebhookTest");

webhookTests.openapi(
  createRoute({
    method: "post", path: "/{id}/test", tags, security, summary: "Send a test delivery now",
    description: "A real delivery, signed with the webhook's secret and headers, made synchronously and answered with its call record (also in the webhook's call log). It is not retried, and works on a paused or disabled webhook.",
    request: { params: WebhookIdParams, ...optionalJsonBody(TestBody) },
    responses: { 200: jsonResponse(CallOut, "The call record"), ...errorResponses },
  }),
  async (c) => {
    const body = optionalBody(TestBody, c.req.valid("json"));
    const w = await loadWebhook(c, c.req.valid("param").id);
    const payload = testPayloadText(body.payload, c.var.config.MAX_PAYLOAD_BYTES, w.id);
    const call = await webhookObject(c, w.id).sendTest({ topic: body.topic, payload, contentType: "application/json" }, w);
    return c.json(callOut(call), 200);
  },
);

const UrlTestBody = z
  .object({
    url: z.string().max(2048),
    payload: z.unknown().optional(),
    topic: z.string().min(1).max(200).default("test"),
    secret: z.string().min(16).max(256).optional().openapi({ description: "Signs the delivery (whsec_… for Standard Webhooks). Generated, and returned, when absent." }),
    signature: SignatureProfile.optional(),
  })
  .strict()
  .openapi("UrlTest");

webhookTests.openapi(
  createRoute({
    method: "post", path: "/test", tags, security, summary: "Send a test delivery to any URL",
    description: "Signs (with `secret`, or a generated one that the answer includes) and delivers now, under the same destination rules as webhooks. Not stored in the call log.",
    request: jsonBody(UrlTestBody),
    responses: { 200: jsonResponse(CallOut.extend({ secret: z.string().optional() }).openapi("UrlTestResult"), "The call record"), ...errorResponses },
  }),
  async (c) => {
    const body = c.req.valid("json");
    failIfAny(destinationIssues(body.url, c.var.config.ALLOW_PRIVATE_DESTINATIONS));
    const secret = body.secret ?? generateWebhookSecret();
    const payload = testPayloadText(body.payload, c.var.config.MAX_PAYLOAD_BYTES);
    const call = callOut(await testDeliveryToUrl({
      url: body.url, topic: body.topic, payload, secret, profile: body.signature ?? { scheme: "standard" },
      timeoutMs: DEFAULT_TIMEOUT_MS, allowPrivateDestinations: c.var.config.ALLOW_PRIVATE_DESTINATIONS,
    }));
    return c.json({ ...call, ...(body.secret === undefined ? { secret } : {}) }, 200);
  },
);
