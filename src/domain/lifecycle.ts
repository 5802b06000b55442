import { ApiError, notFound } from "./errors";

/**
 * The lifecycle webhooks and sources share: a row is found or 404s, a delete is soft (it sets
 * `deletedAt`, and the row still exists for `RESTORE_WINDOW_DAYS`), and a restore inside that
 * window brings it back; past the window the row is gone as far as the API is concerned.
 */

export interface SoftDeletable {
  id: string;
  updatedAt: number;
  deletedAt: number | null;
}

export type ResourceKind = "Webhook" | "Source" | "Account";

/** The row, or a 404 that names what was asked for. */
export function foundOr404<T>(kind: ResourceKind, id: string, row: T | null | undefined): T {
  if (!row) throw notFound(kind, id);
  return row;
}

export const softDeleted = <T extends SoftDeletable>(row: T, nowMs: number): T => ({ ...row, deletedAt: nowMs, updatedAt: nowMs });

/** 409 when the row is not deleted; 404 once the restore window has passed. */
export function restored<T extends SoftDeletable>(kind: ResourceKind, row: T, restoreWindowDays: number, nowMs: number): T {
  if (row.deletedAt === null) throw new ApiError("conflict", `${kind} ${row.id} is not deleted`);
  if (nowMs - row.deletedAt > restoreWindowDays * 86_400_000) throw notFound(kind, row.id);
  return { ...row, deletedAt: null, updatedAt: nowMs };
}
