import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/env";

describe("config (src/env.ts)", () => {
  it("reads the vars, with defaults", () => {
    const config = getConfig({ ...env, MAX_PAYLOAD_BYTES: undefined } as unknown as Env);
    expect(config.MAX_PAYLOAD_BYTES).toBe(262_144);
  });

  it("refuses a MAX_PAYLOAD_BYTES that one storage row cannot hold, naming the var", () => {
    expect(() => getConfig({ ...env, MAX_PAYLOAD_BYTES: "5000000" } as unknown as Env)).toThrow(/MAX_PAYLOAD_BYTES.*at most 1048576/);
    expect(getConfig({ ...env, MAX_PAYLOAD_BYTES: "1048576" } as unknown as Env).MAX_PAYLOAD_BYTES).toBe(1_048_576);
  });

  it("reads EVENT_SHARDS (default 1) and refuses one outside 1-64, naming the var", () => {
    expect(getConfig({ ...env, EVENT_SHARDS: undefined } as unknown as Env).EVENT_SHARDS).toBe(1);
    expect(getConfig({ ...env, EVENT_SHARDS: "64" } as unknown as Env).EVENT_SHARDS).toBe(64);
    expect(() => getConfig({ ...env, EVENT_SHARDS: "65" } as unknown as Env)).toThrow(/EVENT_SHARDS.*at most 64/);
    expect(() => getConfig({ ...env, EVENT_SHARDS: "0" } as unknown as Env)).toThrow(/EVENT_SHARDS/);
  });
});
