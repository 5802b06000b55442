import { statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseUrl, eventually, newAccount } from "./support/api";
import { freshConfigHome, runCli, spawnCli } from "./support/cli";
import { startLocalServer } from "./support/local-server";

/** The `hookrelay` bin, spawned for real against `wrangler dev`: exit codes, --json shapes, errors. */

let local: Awaited<ReturnType<typeof startLocalServer>>;
beforeAll(async () => {
  local = await startLocalServer();
});
afterAll(async () => {
  await local.close();
});

describe("hookrelay (no deployment needed)", () => {
  it("prints help listing every command and exits 0", async () => {
    const res = await runCli(["--help"]);
    expect(res.code).toBe(0);
    for (const cmd of ["login", "whoami", "webhooks", "events", "calls", "sources", "stats", "queue", "listen"]) expect(res.stdout).toContain(cmd);
  });

  it("exits 2 on a usage error", async () => {
    const res = await runCli(["webhooks", "get"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("missing required argument 'id'");
  });

  it("exits 1 and says how to log in when there is no login", async () => {
    const res = await runCli(["whoami"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("hookrelay login");
  });
});

describe("login and whoami", () => {
  it("checks the key, saves it 0600 in the config dir, and whoami uses it", async () => {
    const acc = await newAccount("cli login");
    const configHome = freshConfigHome();
    const login = await runCli(["login", "--url", baseUrl(), "--key", acc.key, "--json"], { configHome });
    expect(login.code, login.stderr).toBe(0);
    const path = join(configHome, "hookrelay", "config.json");
    expect(login.json).toMatchObject({ accountId: acc.id, isAdmin: false, configPath: path });
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const me = await runCli(["whoami", "--json"], { configHome });
    expect(me.code, me.stderr).toBe(0);
    expect(me.json).toEqual({ url: baseUrl(), accountId: acc.id, isAdmin: false, keyId: expect.stringMatching(/^key_/), kind: "account_key", portal: null });
  });

  it("refuses to save a wrong key (exit 1, the API's message)", async () => {
    const configHome = freshConfigHome();
    const res = await runCli(["login", "--url", baseUrl(), "--key", "hr_notarealkey0000000000000000000000000000"], { configHome });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("The API key is not valid or has been revoked");
    expect(() => statSync(join(configHome, "hookrelay", "config.json"))).toThrow();
  });

  it("lets HOOKRELAY_URL / HOOKRELAY_KEY override the saved login", async () => {
    const saved = await newAccount("cli saved");
    const other = await newAccount("cli env");
    const configHome = freshConfigHome();
    expect((await runCli(["login", "--url", baseUrl(), "--key", saved.key], { configHome })).code).toBe(0);
    const me = await runCli(["whoami", "--json"], { configHome, key: other.key });
    expect(me.json.accountId).toBe(other.id);
    // And the flags beat both.
    const flagged = await runCli(["whoami", "--json", "--api-url", baseUrl(), "--api-key", saved.key], { configHome, key: other.key });
    expect(flagged.json.accountId).toBe(saved.id);
  });
});

describe("management commands", () => {
  it("webhooks create|ls|get|update|pause|resume|test|rotate-secret|delete|restore", async () => {
    const acc = await newAccount("cli webhooks");
    const env = { url: baseUrl(), key: acc.key };
    const created = await runCli(["webhooks", "create", "--url", `${local.url}/cli-wh`, "--topics", "order.created,order.paid", "--description", "from the cli", "--json"], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json).toMatchObject({ id: expect.stringMatching(/^wh_/), secret: expect.stringMatching(/^whsec_/), topics: ["order.created", "order.paid"], status: "active" });
    const id = created.json.id as string;

    const ls = await runCli(["webhooks", "ls", "--json"], env);
    expect(ls.json).toEqual({ data: [expect.objectContaining({ id })], nextCursor: null });
    // A table for people; no colour codes, since stdout is a pipe here (NO_COLOR unset).
    const table = await runCli(["webhooks", "ls"], { ...env, keepColorEnv: true });
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+STATUS\s+URL\s+TOPICS/);
    expect(table.stdout).toContain(id);
    expect(table.stdout).not.toContain("\x1b[");

    expect((await runCli(["webhooks", "get", id, "--json"], env)).json).toMatchObject({ id, description: "from the cli" });
    expect((await runCli(["webhooks", "update", id, "--description", "renamed", "--json"], env)).json).toMatchObject({ description: "renamed" });
    expect((await runCli(["webhooks", "pause", id, "--json"], env)).json.status).toBe("inactive");
    expect((await runCli(["webhooks", "resume", id, "--json"], env)).json.status).toBe("active");

    const test = await runCli(["webhooks", "test", id, "--topic", "order.created", "--payload", '{"hello":1}', "--json"], env);
    expect(test.code, test.stderr).toBe(0);
    expect(test.json).toMatchObject({ webhookId: id, status: "succeeded", httpStatus: 200 });

    const rotated = await runCli(["webhooks", "rotate-secret", id, "--grace", "0", "--json"], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.json.secret).toMatch(/^whsec_/);
    expect(rotated.json.secret).not.toBe(created.json.secret);

    expect((await runCli(["webhooks", "delete", id, "--json"], env)).json.deletedAt).toEqual(expect.any(String));
    expect((await runCli(["webhooks", "get", id], env)).code).toBe(1);
    expect((await runCli(["webhooks", "restore", id, "--json"], env)).json).toMatchObject({ id, deletedAt: null });
  });

  it("events publish|ls|get|replay, calls ls, calls tail, stats, queue", async () => {
    const acc = await newAccount("cli events");
    const env = { url: baseUrl(), key: acc.key };
    const wh = (await runCli(["webhooks", "create", "--url", `${local.url}/cli-ev`, "--topics", "order.*", "--json"], env)).json;
    const tail = spawnCli(["calls", "tail", "--json", "--interval", "300"], env);
    try {
      const published = await runCli(["events", "publish", "order.created", '{"n":7}', "--json"], env);
      expect(published.code, published.stderr).toBe(0);
      expect(published.json).toMatchObject({ id: expect.stringMatching(/^evt_/), topic: "order.created", duplicate: false });
      const eventId = published.json.id as string;

      const line = await tail.waitForLine((l) => l.includes(eventId), "calls tail to show the attempt");
      expect(JSON.parse(line)).toMatchObject({ eventId, webhookId: wh.id, status: "succeeded", httpStatus: 200 });

      const calls = await runCli(["calls", "ls", "--event", eventId, "--json"], env);
      expect(calls.json.data).toEqual([expect.objectContaining({ eventId, webhookId: wh.id, attempt: 1, status: "succeeded" })]);

      const events = await runCli(["events", "ls", "--json"], env);
      expect(events.json.data.map((e: { id: string }) => e.id)).toContain(eventId);
      const got = await runCli(["events", "get", eventId, "--json"], env);
      expect(got.json).toMatchObject({ id: eventId, topic: "order.created", deliveries: [expect.objectContaining({ webhookId: wh.id, state: "succeeded" })] });

      const replay = await runCli(["events", "replay", eventId, "--webhook", wh.id, "--json"], env);
      expect(replay.code, replay.stderr).toBe(0);
      expect(replay.json).toMatchObject({ eventId, webhookIds: [wh.id] });
      await eventually(async () => {
        const r = await runCli(["calls", "ls", "--event", eventId, "--json"], env);
        return r.json.data.length >= 2 ? true : undefined;
      }, "the replayed attempt");

      const stats = await runCli(["stats", "--json"], env);
      expect(stats.json).toMatchObject({ totalSent: expect.any(Number), successful: expect.any(Number), webhooks: { active: 1, inactive: 0, disabled: 0 } });
      expect(stats.json.successful).toBeGreaterThanOrEqual(2);
      const queue = await runCli(["queue", "--json"], env);
      expect(queue.json).toMatchObject({ pending: expect.any(Number), retrying: expect.any(Number), byWebhook: expect.any(Array) });
      expect((await runCli(["queue", wh.id, "--json"], env)).json).toMatchObject({ pending: 0, processing: 0, retrying: 0, failed: 0 });
    } finally {
      await tail.kill();
    }
  });

  it("sources create|ls", async () => {
    const acc = await newAccount("cli sources");
    const env = { url: baseUrl(), key: acc.key };
    const created = await runCli(["sources", "create", "--name", "github", "--verification", "github", "--secret", "a-github-secret-0123456789", "--json"], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json).toMatchObject({ id: expect.stringMatching(/^src_/), name: "github", ingestUrl: expect.stringContaining("/in/") });
    const ls = await runCli(["sources", "ls", "--json"], env);
    expect(ls.json.data.map((s: { id: string }) => s.id)).toEqual([created.json.id]);
  });
});

describe("API errors", () => {
  it("shows the API's message and each field detail, and exits 1", async () => {
    const acc = await newAccount("cli errors");
    const env = { url: baseUrl(), key: acc.key };
    const res = await runCli(["webhooks", "create", "--url", "https://hooks.example.com/in", "--topics", "not a topic!"], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("The request body is invalid");
    expect(res.stderr).toContain("validation_failed");
    expect(res.stderr).toMatch(/body\.topics\.\d: must be a topic name/);

    const json = await runCli(["webhooks", "create", "--url", "https://hooks.example.com/in", "--data", '{"delivery":{"timeoutMs":5}}', "--topics", "a.b", "--json"], env);
    expect(json.code).toBe(1);
    const err = JSON.parse(json.stderr).error;
    expect(err).toMatchObject({ status: 422, code: "validation_failed", requestId: expect.any(String) });
    expect(err.details.map((d: { path: string }) => d.path)).toContain("body.delivery.timeoutMs");
  });

  it("names a missing resource (404) and exits 1", async () => {
    const acc = await newAccount("cli 404");
    const res = await runCli(["events", "get", "evt_doesnotexist"], { url: baseUrl(), key: acc.key });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/not found.*404 not_found/i);
  });
});
