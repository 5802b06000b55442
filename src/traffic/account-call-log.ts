import { DurableObject } from "cloudflare:workers";
import type { CallRecord } from "../domain/call";
import { getConfig } from "../env";
import { CALL_TABLE_SCHEMA, callTotals, insertCall, queryCalls, type CallQuery, type CallTotals } from "./call-table";
import { WINDOW_MS, windowStart } from "./partitions";

/**
 * The `CallLog` object: the account-wide copy of the call log (the call index) of one account, one
 * UTC day (of the call's time), one shard (see partitions.ts): what `GET /api/webhooks/calls`
 * without `webhookId` and `GET /api/stats` read, so neither has to ask every webhook's object.
 *
 * A call row is first written by its webhook's object (src/delivery/webhook/call-log.ts), with the
 * attempt's outcome; it arrives here later through that object's outbox (record() is idempotent on
 * the call id, so a re-sent batch adds nothing). Storage: `calls` and
 * `call_stats` (call-table.ts), kv `window` (the day it holds). Retention: the alarm deleteAll()s
 * the object once its day is RETENTION_DAYS old; rows are never deleted one by one.
 */
export class CallLog extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(CALL_TABLE_SCHEMA);
    // Here (not in a webhook's own log, which holds one webhook) calls are also listed per webhook:
    // the webhook's calls older than its object's one-day log are read from these days.
    this.sql.exec(`CREATE INDEX IF NOT EXISTS calls_webhook ON calls(webhook_id, created_at, id)`);
  }

  private expiresAt(window: number): number {
    return windowStart(window) + WINDOW_MS + getConfig(this.env).RETENTION_DAYS * 86_400_000;
  }

  /** Stores calls of `window` (each partition holds one day). Calls of a day already past retention are dropped. */
  async record(window: number, calls: CallRecord[]): Promise<{ recorded: number }> {
    const expiresAt = this.expiresAt(window);
    if (Date.now() >= expiresAt) return { recorded: 0 };
    let recorded = 0;
    this.ctx.storage.transactionSync(() => {
      for (const call of calls) if (insertCall(this.sql, call)) recorded++;
      this.ctx.storage.kv.put("window", window);
    });
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(expiresAt);
    return { recorded };
  }

  async list(q: CallQuery): Promise<CallRecord[]> {
    return queryCalls(this.sql, q);
  }

  async totals(sinceMs: number | null): Promise<CallTotals> {
    return callTotals(this.sql, sinceMs);
  }

  override async alarm(): Promise<void> {
    const window = this.ctx.storage.kv.get<number>("window");
    if (typeof window !== "number") {
      await this.ctx.storage.deleteAll();
      return;
    }
    const expiresAt = this.expiresAt(window);
    // RETENTION_DAYS may have grown since the alarm was set: then the day is kept longer.
    if (Date.now() < expiresAt) await this.ctx.storage.setAlarm(expiresAt);
    else await this.ctx.storage.deleteAll();
  }
}
