import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { localUrlOf } from "../cli/commands/listen.js";
import { configPath, readConfig, resolveTarget, writeConfig } from "../cli/config.js";
import { CliError } from "../cli/errors.js";
import { freshConfigHome } from "./support/cli";

/** The CLI's pure parts: where listen forwards to, and the config file's place and permissions. */

const saved = { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, HOOKRELAY_URL: process.env.HOOKRELAY_URL, HOOKRELAY_KEY: process.env.HOOKRELAY_KEY };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe("localUrlOf", () => {
  it("turns a port into http://localhost:<port>/ and keeps a URL", () => {
    expect(localUrlOf("3000", undefined)).toBe("http://localhost:3000/");
    expect(localUrlOf("3000", "/webhooks")).toBe("http://localhost:3000/webhooks");
    expect(localUrlOf("http://127.0.0.1:4000/in", undefined)).toBe("http://127.0.0.1:4000/in");
  });

  it("refuses what is neither a port nor an http(s) URL, as a usage error", () => {
    expect(() => localUrlOf("nope", undefined)).toThrow(CliError);
    expect(() => localUrlOf("ftp://example.com/", undefined)).toThrow(/only http and https/);
    try {
      localUrlOf("nope", undefined);
    } catch (err) {
      expect((err as CliError).exitCode).toBe(2);
    }
  });
});

describe("config", () => {
  it("lives under XDG_CONFIG_HOME and is made 0600 even when an older file was world-readable", () => {
    const home = freshConfigHome();
    process.env.XDG_CONFIG_HOME = home;
    expect(configPath()).toBe(join(home, "hookrelay", "config.json"));
    mkdirSync(join(home, "hookrelay"), { recursive: true });
    writeFileSync(configPath(), "{}");
    chmodSync(configPath(), 0o644);
    writeConfig({ url: "http://localhost:8787", key: "hr_k" });
    expect(statSync(configPath()).mode & 0o777).toBe(0o600);
    expect(readConfig()).toEqual({ url: "http://localhost:8787", key: "hr_k" });
  });

  it("resolves flags over HOOKRELAY_URL/HOOKRELAY_KEY over the file, and says how to log in without any", () => {
    process.env.XDG_CONFIG_HOME = freshConfigHome();
    delete process.env.HOOKRELAY_URL;
    delete process.env.HOOKRELAY_KEY;
    expect(() => resolveTarget({})).toThrow(/hookrelay login/);
    writeConfig({ url: "http://file", key: "file-key" });
    expect(resolveTarget({})).toEqual({ url: "http://file", key: "file-key" });
    process.env.HOOKRELAY_URL = "http://env";
    process.env.HOOKRELAY_KEY = "env-key";
    expect(resolveTarget({})).toEqual({ url: "http://env", key: "env-key" });
    expect(resolveTarget({ url: "http://flag", key: "flag-key" })).toEqual({ url: "http://flag", key: "flag-key" });
  });

  it("names the file when it is not JSON", () => {
    process.env.XDG_CONFIG_HOME = freshConfigHome();
    mkdirSync(join(process.env.XDG_CONFIG_HOME, "hookrelay"), { recursive: true });
    writeFileSync(configPath(), "{not json");
    expect(() => readConfig()).toThrow(/config\.json is not valid JSON/);
  });
});
