import { env } from "cloudflare:workers";

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}
export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
  /** Results of the program's `verify` checks, run in Node by the receiver (seed-verifiers.ts). */
  verified?: Record<string, boolean | string>;
}

/** Independent signature checks the receiver runs in Node on each request (seed-verifiers.ts). */
export type VerifyRequest =
  | { kind: "whatsapp-node" | "whatsapp-python" | "whatsapp-php"; secret: string }
  | { kind: "ed25519"; publicKey: string; label?: string };

/** Which verifiers the machine running the tests has (python3, php). */
export async function verifiersAvailable(): Promise<{ node: boolean; python: boolean; php: boolean }> {
  return (await (await fetch(`${env.RECEIVER_URL}/_verifiers`)).json()) as { node: boolean; python: boolean; php: boolean };
}

let counter = 0;

/** A named inbox on the loopback receiver (see receiver-server.ts), programmed per test. */
export async function newInbox(program: { responses?: Reply[]; fallback?: Reply; verify?: VerifyRequest[] } = {}) {
  const name = `inbox-${Date.now().toString(36)}-${counter++}-${Math.random().toString(36).slice(2, 8)}`;
  const control = `${env.RECEIVER_URL}/_inbox/${name}`;
  const res = await fetch(control, { method: "PUT", body: JSON.stringify(program) });
  if (!res.ok) throw new Error(`receiver refused the program: ${res.status}`);
  const inbox = {
    name,
    url: `${env.RECEIVER_URL}/${name}/hook`,
    async requests(): Promise<Received[]> {
      const r = await fetch(control);
      return ((await r.json()) as { requests: Received[] }).requests;
    },
    async program(next: { responses?: Reply[]; fallback?: Reply; verify?: VerifyRequest[] }) {
      await fetch(control, { method: "PUT", body: JSON.stringify(next) });
    },
    /** Polls until at least `count` requests arrived (or throws after timeoutMs). */
    async waitFor(count: number, timeoutMs = 10_000): Promise<Received[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = await inbox.requests();
        if (got.length >= count) return got;
        if (Date.now() > deadline) throw new Error(`inbox ${name}: wanted ${count} requests, got ${got.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  return inbox;
}
