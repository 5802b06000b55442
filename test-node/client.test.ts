import { afterAll, beforeAll, describe, expect, it } from "vitest";
// Imported by the package name, as a user would: package.json `exports` maps it to client/.
import { createClient, HookrelayError, unwrap } from "hookrelay/client";
import { adminKey, baseUrl, eventually, newAccount } from "./support/api";
import { startLocalServer } from "./support/local-server";

/** The typed client (hookrelay/client) against a real `wrangler dev`. */

let receiver: Awaited<ReturnType<typeof startLocalServer>>;
beforeAll(async () => {
  receiver = await startLocalServer();
});
afterAll(async () => {
  await receiver.close();
});

describe("hookrelay/client", () => {
  it("creates and lists webhooks, publishes an event and reads its call", async () => {
    const { client } = await newAccount("client flow");
    const created = await unwrap(client.POST("/api/webhooks", { body: { url: `${receiver.url}/client-flow`, topics: ["order.created"] } }));
    expect(created.id).toMatch(/^wh_/);
    expect(created.secret).toMatch(/^whsec_/);

    const page = await unwrap(client.GET("/api/webhooks", { params: { query: { limit: 10 } } }));
    expect(page.data.map((w) => w.id)).toEqual([created.id]);

    const accepted = await unwrap(client.POST("/api/events", { body: { topic: "order.created", payload: { n: 1 } } }));
    expect(accepted).toMatchObject({ topic: "order.created", duplicate: false });

    const call = await eventually(async () => {
      const calls = await unwrap(client.GET("/api/webhooks/calls", { params: { query: { eventId: accepted.id } } }));
      return calls.data[0];
    }, "the call record");
    expect(call).toMatchObject({ webhookId: created.id, eventId: accepted.id, status: "succeeded", httpStatus: 200, attempt: 1 });
    expect(receiver.requests.filter((r) => r.path === "/client-flow").map((r) => r.headers["webhook-id"])).toEqual([accepted.id]);
  });

  it("throws HookrelayError with the code, message and field details of a 422", async () => {
    const { client } = await newAccount("client errors");
    const err = await unwrap(client.POST("/api/webhooks", { body: { url: "not a url", topics: [] } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookrelayError);
    const e = err as HookrelayError;
    expect(e.status).toBe(422);
    expect(e.code).toBe("validation_failed");
    expect(e.requestId).toEqual(expect.any(String));
    expect((e.details as { path: string }[]).map((d) => d.path)).toContain("body.topics");
  });

  it("answers 401 for a wrong key, and sends the admin key's x-account-id", async () => {
    const bad = createClient({ baseUrl: baseUrl(), apiKey: "hr_notarealkey0000000000000000000000000000" });
    await expect(unwrap(bad.GET("/api/whoami"))).rejects.toMatchObject({ status: 401, code: "unauthorized" });
    const acc = await newAccount("client admin");
    const admin = createClient({ baseUrl: baseUrl(), apiKey: adminKey(), accountId: acc.id });
    expect(await unwrap(admin.GET("/api/whoami"))).toEqual({ accountId: acc.id, isAdmin: true, keyId: null, kind: "admin", portal: null });
  });
});
