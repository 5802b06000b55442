import { parseStored, StoredHealth, type Health } from "./stored";

/**
 * Delivery health (kv `health`): the last success and failure, and the start of the current failing
 * streak, which auto-disable needs. It lives only here: nothing reads it from D1 any more.
 *
 * A success after a success changes only lastSuccessAt, which is informational: it stays in memory
 * (persisted with the next write) to spare a storage write per delivery. An eviction can lose that
 * timestamp, never a failing streak: every failure, and the success that ends a streak, is written.
 */
const EMPTY: Health = { lastSuccessAt: null, lastFailureAt: null, failingSince: null };

export class HealthStore {
  private cache: Health | null = null;

  constructor(private readonly kv: SyncKvStorage) {}

  get(): Health {
    this.cache ??= parseStored(StoredHealth, "health", this.kv.get("health")) ?? EMPTY;
    return this.cache;
  }

  /** Records `next` (from the outcome decision); call inside the outcome's transaction. */
  apply(next: Health): void {
    const prev = this.get();
    const onlySuccessMoved = prev.failingSince === null && next.failingSince === null && prev.lastSuccessAt !== null && next.lastFailureAt === prev.lastFailureAt;
    this.cache = next;
    if (!onlySuccessMoved) this.kv.put("health", next);
  }

  forget(): void {
    this.cache = null;
  }
}
