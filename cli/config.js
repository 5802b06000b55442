// Where `hookrelay login` keeps the deployment URL and key, and how a command finds them:
// flags first, then HOOKRELAY_URL / HOOKRELAY_KEY, then the config file.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError } from "./errors.js";

/** `$XDG_CONFIG_HOME/hookrelay/config.json`, else `~/.config/hookrelay/config.json`. */
export function configPath() {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "hookrelay", "config.json");
}

/** @returns {{ url?: string, key?: string }} */
export function readConfig() {
  let text;
  try {
    text = readFileSync(configPath(), "utf8");
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return {};
    return {
      ...(typeof parsed.url === "string" ? { url: parsed.url } : {}),
      ...(typeof parsed.key === "string" ? { key: parsed.key } : {}),
    };
  } catch {
    throw new CliError(`${configPath()} is not valid JSON; run \`hookrelay login --url … --key …\` again`);
  }
}

/** Writes the file readable by its owner only (0600), in a directory only the owner can enter. */
export function writeConfig(/** @type {{ url: string, key: string }} */ config) {
  const path = configPath();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // mode applies only when the file is created; an older file keeps its bits without this.
  chmodSync(path, 0o600);
  return path;
}

/**
 * @param {{ url?: string, key?: string }} flags
 * @returns {{ url: string, key: string }}
 */
export function resolveTarget(flags) {
  const file = readConfig();
  const url = flags.url || process.env.HOOKRELAY_URL || file.url;
  const key = flags.key || process.env.HOOKRELAY_KEY || file.key;
  if (!url || !key) {
    throw new CliError("Not logged in: run `hookrelay login --url <deployment> --key <api key>`, or set HOOKRELAY_URL and HOOKRELAY_KEY");
  }
  return { url, key };
}
