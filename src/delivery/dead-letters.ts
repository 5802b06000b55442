import { sha256Hex } from "../lib/hash";
import { upsertDeadLetters } from "../store/dead-letters";

/**
 * The dead-letter queue's consumer: messages the delivery consumer gave up on are written to D1
 * (`dead_letters`, src/store/dead-letters.ts) so they stay visible (GET /api/dead-letters) and can be re-driven.
 *
 * The row id is derived from the body, so the same message dead-lettered again (the cron sweeper
 * re-enqueues unfanned events) updates one row instead of piling up copies.
 */
export interface DeadLetterInput {
  queue: string;
  messages: readonly Pick<Message<unknown>, "body" | "attempts" | "ack">[];
}

export async function recordDeadLetters(batch: DeadLetterInput, env: Env, nowMs = Date.now()): Promise<void> {
  if (!batch.messages.length) return;
  const rows = await Promise.all(
    batch.messages.map(async (m) => {
      const body = safeStringify(m.body);
      return { id: `dlq_${(await sha256Hex(`${batch.queue}\u0000${body}`)).slice(0, 32)}`, queue: batch.queue, body, attempts: m.attempts, createdAt: nowMs };
    }),
  );
  await upsertDeadLetters(env.DB, rows);
  for (const m of batch.messages) m.ack();
}

function safeStringify(body: unknown): string {
  try {
    return JSON.stringify(body) ?? "null";
  } catch {
    return JSON.stringify(String(body));
  }
}
