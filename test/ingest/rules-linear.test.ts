import { describe, expect, it } from "vitest";
import { TOPIC_NAME } from "../../src/domain/topics";
import { sourceSlug, toTopicName } from "../../src/ingest/rules";
import { call, newAccount } from "../support/http";
import { createSource, eventsOf, postIn } from "./helpers";

/**
 * Rule extraction runs on sender-controlled values, so its cost must be linear and bounded. The
 * worst cases below sit at the full 256 KiB payload limit: the regex rewrite this replaces
 * backtracked quadratically on them (minutes per request, far past the test timeout).
 */

/** The test config's MAX_PAYLOAD_BYTES, used end to end. */
const PAYLOAD_LIMIT_BYTES = 262_144;
/** The largest MAX_PAYLOAD_BYTES the config accepts (src/env.ts), used for the pure functions. */
const MAX_CONFIGURABLE_PAYLOAD_BYTES = 1_048_576;

/** The rewrite as it was specified with regexes, used as the reference on short inputs only. */
function referenceTopic(raw: string, prefix: string): string | null {
  let topic = raw;
  if (!TOPIC_NAME.test(topic) || topic.length > 200) {
    topic = raw
      .replace(/[^A-Za-z0-9_.:/-]+/g, "_")
      .replace(/([.:/])[.:/]+/g, "$1")
      .replace(/^[_.:/]+|[_.:/]+$/g, "")
      .slice(0, 200)
      .replace(/[_.:/]+$/, "");
    if (!TOPIC_NAME.test(topic)) return null;
  }
  if (topic.startsWith("webhook.") || topic.startsWith("delivery.")) topic = `${prefix}.${topic}`.slice(0, 200).replace(/[.:/]+$/, "");
  return topic;
}

const referenceSlug = (name: string) =>
  name.toLowerCase().replace(/[^a-z0-9_]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "") || "source";

/** Deterministic pseudo-random strings over the characters the rewrite treats differently. */
function* samples(count: number): Generator<string> {
  const alphabet = ["a", "Z", "9", "_", "-", ".", ":", "/", " ", "!", "é", "webhook.", "delivery."];
  let seed = 42;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  for (let i = 0; i < count; i++) {
    const length = next() % 260;
    let s = "";
    while (s.length < length) s += alphabet[next() % alphabet.length];
    yield s;
  }
}

describe("toTopicName is linear and bounded", () => {
  it("gives the same topics as the regex rewrite on short inputs", () => {
    for (const raw of samples(3000)) expect(toTopicName(raw, "src"), JSON.stringify(raw)).toBe(referenceTopic(raw, "src"));
  });

  it("rewrites a 1 MiB run of underscores between two letters", () => {
    // About four minutes with the regex rewrite.
    expect(toTopicName(`a${"_".repeat(MAX_CONFIGURABLE_PAYLOAD_BYTES - 2)}a`, "src")).toBe("a");
  });

  it("rewrites 1 MiB of alternating words, separators and invalid characters", () => {
    const raw = "x._ ".repeat(MAX_CONFIGURABLE_PAYLOAD_BYTES / 4);
    const topic = toTopicName(raw, "src");
    expect(topic!.length).toBeLessThanOrEqual(200);
    // Only the start can reach a 200-character topic, so the reference may look at a prefix.
    expect(topic).toBe(referenceTopic(raw.slice(0, 1000), "src"));
  });

  it("refuses a 1 MiB value with no usable character", () => {
    expect(toTopicName("!/".repeat(MAX_CONFIGURABLE_PAYLOAD_BYTES / 2), "src")).toBeNull();
  });

  it("slugs source names as before", () => {
    for (const raw of samples(2000)) expect(sourceSlug(raw), JSON.stringify(raw)).toBe(referenceSlug(raw));
    expect(sourceSlug("-".repeat(MAX_CONFIGURABLE_PAYLOAD_BYTES))).toBe("source");
  });
});

describe("POST /in with worst-case values at the payload limit", () => {
  it("derives topic, channel and dedupe id from 256 KiB values", async () => {
    const acct = await newAccount("linear rules");
    const source = await createSource(acct, {
      name: "Linear",
      verification: { type: "none" },
      topic: { path: "type" },
      channel: { path: "type" },
      dedupe: { path: "type" },
    });
    const filler = "_".repeat(PAYLOAD_LIMIT_BYTES - 20);
    const body = JSON.stringify({ type: `a${filler}a` });
    expect(body.length).toBeLessThanOrEqual(PAYLOAD_LIMIT_BYTES);
    const res = await postIn(source.id, body, { "content-type": "application/json" });
    expect(res.status, res.text).toBe(200);
    const [event] = await eventsOf(source.id);
    expect(event).toMatchObject({ topic: "a", channel: null, dedupe_key: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });

    // The isolate is free at once for the next request.
    expect((await call("GET", "/healthz", { key: null })).status).toBe(200);
  });

  it("derives the topic from a long header value", async () => {
    const acct = await newAccount("linear header");
    const source = await createSource(acct, { name: "Header", verification: { type: "none" }, topic: { header: "x-event" } });
    const res = await postIn(source.id, "{}", { "content-type": "application/json", "x-event": `a${"_".repeat(60_000)}a` });
    expect(res.status, res.text).toBe(200);
    const [event] = await eventsOf(source.id);
    expect(event!.topic).toBe("a");
  });
});
