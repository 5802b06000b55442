import { spawnSync } from "node:child_process";
import { createPublicKey, verify as cryptoVerify } from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Independent checks the loopback receiver runs on every delivery to an inbox that asks for them
 * (`verify` in its program), in Node, outside workerd:
 *   whatsapp-node    seed 004's Node verifyWebhookSignature and WebhookHandler.verifySignature, as written
 *   whatsapp-python  seed 004's Python verify_webhook_signature (python3), as written
 *   whatsapp-php     seed 004's PHP WebhookHandler::verifySignature (php), as written
 *   ed25519          Node's crypto.verify over "id.timestamp.body" with the given public key: true
 *                    when one `v1a,` entry of webhook-signature verifies (as a receiver checks)
 * Results go on the recorded request as `verified: {label ?? kind: true|false|"error: …"}`.
 */
export type VerifierKind = "whatsapp-node" | "whatsapp-python" | "whatsapp-php" | "ed25519";
export interface VerifyRequest {
  kind: VerifierKind;
  secret?: string;
  publicKey?: string;
  /** Names the result (two ed25519 checks with different keys on one inbox). */
  label?: string;
}

const seedFile = (name: string) => fileURLToPath(new URL(`../seeds/${name}`, import.meta.url));
const require = createRequire(import.meta.url);
const seed004 = require(seedFile("004-verify.cjs")) as {
  verifyWebhookSignature: (payload: Buffer, signature: string, secret: string) => boolean;
  WebhookHandler: new (secret: string) => { verifySignature: (payload: Buffer, signature: string) => boolean };
};

const has = (cmd: string) => spawnSync(cmd, ["--version"], { stdio: "ignore" }).status === 0;
export const available = { node: true, python: has("python3"), php: has("php") };

function runScript(cmd: string, file: string, body: Buffer, args: string[]): boolean | string {
  const r = spawnSync(cmd, [seedFile(file), ...args], { input: body, encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) return `error: ${cmd} exited ${r.status}: ${r.stderr}`.slice(0, 300);
  const out = r.stdout.trim();
  return out === "True" || out === "true";
}

function verifyEd25519(body: Buffer, headers: Record<string, string>, publicKey: string): boolean {
  const raw = Buffer.from(publicKey.replace(/^whpk_/, ""), "base64");
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
  const signed = Buffer.concat([Buffer.from(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.`), body]);
  const entries = (headers["webhook-signature"] ?? "").split(" ").filter((e) => e.startsWith("v1a,"));
  return entries.some((e) => cryptoVerify(null, signed, key, Buffer.from(e.slice(4), "base64")));
}

export function runVerifiers(requests: VerifyRequest[], body: Buffer, headers: Record<string, string>): Record<string, boolean | string> {
  const out: Record<string, boolean | string> = {};
  // As Express hands it over: req.headers['x-webhook-signature'] (undefined when absent).
  const signature = headers["x-webhook-signature"] as string;
  for (const v of requests) {
    const name = v.label ?? v.kind;
    try {
      if (v.kind === "whatsapp-node") {
        out[name] = seed004.verifyWebhookSignature(body, signature, v.secret!) && new seed004.WebhookHandler(v.secret!).verifySignature(body, signature);
      } else if (v.kind === "whatsapp-python") {
        out[name] = runScript("python3", "004_verify.py", body, [signature ?? "", v.secret!]);
      } else if (v.kind === "whatsapp-php") {
        out[name] = runScript("php", "004-verify.php", body, [signature ?? "", v.secret!]);
      } else {
        out[name] = verifyEd25519(body, headers, v.publicKey!);
      }
    } catch (err) {
      out[name] = `error: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  return out;
}
