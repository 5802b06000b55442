import { describe, expect, it } from "vitest";
import { createWebhook } from "../delivery/helpers";
import { call, newAccount } from "../support/http";

/**
 * Routes whose JSON body may be left out (rotate-secret, test, replay): a body sent in another
 * form is refused with 415 instead of being ignored for the defaults.
 */
describe("an optional JSON body", () => {
  it("is refused with 415 when it is sent but is not JSON, and nothing changes", async () => {
    const acct = await newAccount();
    const wh = await createWebhook(acct, { url: "https://example.com/hook" });
    const before = await call("GET", `/api/webhooks/${wh.id}/secret`, { key: acct.key });
    const res = await call("POST", `/api/webhooks/${wh.id}/rotate-secret`, {
      key: acct.key, rawBody: "graceSeconds=0", headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status, res.text).toBe(415);
    expect(res.json.error.code).toBe("unsupported_media_type");
    expect((await call("GET", `/api/webhooks/${wh.id}/secret`, { key: acct.key })).json).toEqual(before.json);
  });

  it("is refused with 415 when JSON is sent without a content type", async () => {
    const acct = await newAccount();
    const wh = await createWebhook(acct, { url: "https://example.com/hook" });
    const res = await call("POST", `/api/webhooks/${wh.id}/rotate-secret`, { key: acct.key, rawBody: '{"graceSeconds":0}' });
    expect(res.status, res.text).toBe(415);
  });

  it("takes the defaults when no body is sent, and validates a JSON one", async () => {
    const acct = await newAccount();
    const wh = await createWebhook(acct, { url: "https://example.com/hook" });
    expect((await call("POST", `/api/webhooks/${wh.id}/rotate-secret`, { key: acct.key })).status).toBe(200);
    const bad = await call("POST", `/api/webhooks/${wh.id}/rotate-secret`, { key: acct.key, body: { graceSeconds: -1 } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details[0].path).toBe("body.graceSeconds");
  });
});
