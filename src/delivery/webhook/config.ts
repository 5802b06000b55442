import type { Webhook } from "../../domain/webhook";
import { parseStored, StoredWebhook } from "./stored";

/**
 * The webhook's config as this object holds it (kv `config`): the management API's copy, pushed by
 * configure() and offered by the consumer with each enqueue. Never replaced by an older version.
 * Read on every loop of a run, so an in-memory copy spares the storage read; every write goes
 * through here, so the copy never goes stale.
 */
export class ConfigStore {
  private cache: { value: Webhook | undefined } | null = null;

  constructor(private readonly kv: SyncKvStorage) {}

  get(): Webhook | undefined {
    // A stored config that does not parse is treated as none: the next configure or enqueue brings one.
    this.cache ??= { value: parseStored(StoredWebhook, "config", this.kv.get("config")) };
    return this.cache.value;
  }

  /** Adopts `next` unless this object already holds the same or a newer version. */
  offer(next: Webhook): boolean {
    const current = this.get();
    if (current && current.version >= next.version) return false;
    this.set(next);
    return true;
  }

  /** Local changes (a disable decided here, its version once D1 confirms it). */
  set(next: Webhook): void {
    this.kv.put("config", next);
    this.cache = { value: next };
  }

  forget(): void {
    this.cache = null;
  }
}

export const deliverable = (w: Webhook | undefined): w is Webhook => w !== undefined && w.status === "active" && w.deletedAt === null;
