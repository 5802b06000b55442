/**
 * The messages on a `hookrelay listen` WebSocket (JSON text frames; cli/listen-session.js is the
 * other end). The text frame `ping` is answered `pong` by the runtime without waking the object.
 *
 *   server → cli  ready      the session is live: ids, the signing secret, what it receives
 *   server → cli  delivery   one signed request to POST to the local URL, answer within timeoutMs
 *   cli → server  result     the local answer (status, some headers, body) or why there was none
 */
import { z } from "zod";

export interface ReadyMessage {
  type: "ready";
  sessionId: string;
  webhookId: string;
  accountId: string;
  /** The signing secret, so the local receiver can verify what it gets. */
  secret: string;
  topics: string[];
  channels: string[] | null;
  sources: string[] | null;
  /** How long a disconnected session keeps its deliveries waiting before it is deleted. */
  holdSeconds: number;
  resumed: boolean;
}

export interface DeliveryMessage {
  type: "delivery";
  id: string;
  headers: [string, string][];
  body: string;
  timeoutMs: number;
}

export const ResultMessage = z.object({
  type: z.literal("result"),
  id: z.string().max(100),
  status: z.number().int().min(200).max(599).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().max(64 * 1024).optional(),
  durationMs: z.number().nonnegative().optional(),
  error: z.string().max(500).optional(),
});
export type ResultMessage = z.infer<typeof ResultMessage>;

/** What the session object answers the transport with: an HTTP answer, or why there is none. */
export type ForwardResult =
  | { ok: true; status: number; headers: Record<string, string>; body: string; durationMs: number }
  | { ok: false; error: string };
