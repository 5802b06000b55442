import { disableWebhookIfVersion } from "../../store/webhooks";
import type { NoticeSender } from "./notice-sender";
import { OutboxItem, parseStored, safeJson } from "./stored";

/**
 * What the object tells the world after an outcome, kept in its own outbox (`outbox`) in the same
 * transaction as the outcome, then sent by the alarm: meta-events through the NoticeSender, and
 * disables to D1 by compare-and-set against the config version the object held when it decided
 * (store/webhooks.ts disableWebhookIfVersion), so a pause or delete the API made meanwhile wins.
 *
 * A row that does not parse is moved to `outbox_quarantine` (kept for inspection, logged with its
 * seq) and the rest keeps flowing.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox_quarantine (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL, quarantined_at INTEGER NOT NULL);`;

const BATCH = 100;

export type NoticeResult = "done" | "more" | "failed";

export interface NoticeHooks {
  webhookId: () => string | undefined;
  /** D1 took the disable decided at `heldVersion`; the row is now at `newVersion`. */
  disableConfirmed: (d: { heldVersion: number; newVersion: number; reason: string; atMs: number }) => void;
}

export class NoticeOutbox {
  constructor(
    private readonly sql: SqlStorage,
    private readonly db: D1Database,
    private readonly sender: NoticeSender,
    private readonly hooks: NoticeHooks,
  ) {
    sql.exec(SCHEMA);
  }

  /** Call inside the outcome's transaction. */
  add(item: OutboxItem): void {
    this.sql.exec(`INSERT INTO outbox (kind, body) VALUES (?, ?)`, item.kind, JSON.stringify(item));
  }

  isEmpty(): boolean {
    return this.sql.exec(`SELECT 1 FROM outbox LIMIT 1`).toArray().length === 0;
  }

  async flush(): Promise<NoticeResult> {
    const rows = this.sql.exec<{ seq: number; kind: string; body: string }>(`SELECT seq, kind, body FROM outbox ORDER BY seq LIMIT ?`, BATCH).toArray();
    if (!rows.length) return "done";
    const webhookId = this.hooks.webhookId();
    const items: { seq: number; item: OutboxItem }[] = [];
    for (const r of rows) {
      const item = parseStored(OutboxItem, `outbox:${r.seq}`, safeJson(r.body), webhookId);
      if (item) items.push({ seq: r.seq, item });
      else this.quarantine(r);
    }
    try {
      // Disables first and one by one: each is a compare-and-set that must see the previous one.
      for (const { seq, item } of items) {
        if (item.kind !== "disable" || !webhookId) continue;
        const newVersion = await disableWebhookIfVersion(this.db, webhookId, item.heldVersion, item.reason, item.atMs);
        if (newVersion !== null) this.hooks.disableConfirmed({ heldVersion: item.heldVersion, newVersion, reason: item.reason, atMs: item.atMs });
        else console.log(JSON.stringify({ msg: "disable not applied: the webhook changed since it was decided", webhookId, heldVersion: item.heldVersion }));
        this.delete([seq]);
      }
      const byAccount = new Map<string, { seqs: number[]; events: Extract<OutboxItem, { kind: "meta" }>["event"][] }>();
      for (const { seq, item } of items) {
        if (item.kind !== "meta") continue;
        const group = byAccount.get(item.accountId) ?? { seqs: [], events: [] };
        group.seqs.push(seq);
        group.events.push(item.event);
        byAccount.set(item.accountId, group);
      }
      for (const [accountId, group] of byAccount) {
        await this.sender.send(accountId, group.events);
        this.delete(group.seqs);
      }
    } catch (err) {
      console.error(JSON.stringify({ msg: "sending notices failed; will retry", webhookId, error: String(err) }));
      return "failed";
    }
    return rows.length === BATCH ? "more" : "done";
  }

  private quarantine(r: { seq: number; kind: string; body: string }): void {
    this.sql.exec(`INSERT OR REPLACE INTO outbox_quarantine (seq, kind, body, quarantined_at) VALUES (?, ?, ?, ?)`, r.seq, r.kind, r.body, Date.now());
    this.delete([r.seq]);
  }

  private delete(seqs: number[]): void {
    if (seqs.length) this.sql.exec(`DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?))`, JSON.stringify(seqs));
  }
}
