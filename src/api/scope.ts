import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError, failIfAny, type FieldIssue, notFound } from "../domain/errors";
import type { Webhook } from "../domain/webhook";
import type { PortalScope } from "../signing/portal-token";
import { listLiveWebhooks } from "../store/webhooks";

/**
 * Portal scope, object by object. Every handler a portal token can reach (middleware/portal-policy.ts)
 * calls one of these; for API keys and the admin key they do nothing. Out of scope reads as absent
 * (404), like another account's resource, so a portal cannot learn what exists beyond its scope.
 */
export const scopeOf = (c: Context<AppEnv>): PortalScope | null => c.var.auth.portal ?? null;

export function webhookInScope(scope: PortalScope | null, w: Pick<Webhook, "id" | "channels">): boolean {
  if (!scope) return true;
  if (scope.webhookIds && !scope.webhookIds.includes(w.id)) return false;
  // A webhook without channels receives every channel: it is the platform's, not one customer's.
  if (scope.channels && !(w.channels ?? []).some((ch) => scope.channels!.includes(ch))) return false;
  return true;
}

/** For a loaded webhook: 404 when the portal may not see it. */
export function assertInScope<W extends Pick<Webhook, "id" | "channels">>(c: Context<AppEnv>, w: W | null, what = "Webhook", id?: string): W {
  if (!w || !webhookInScope(scopeOf(c), w)) throw notFound(what, id ?? w?.id);
  return w;
}

const channelIssue = (scope: PortalScope): FieldIssue => ({
  path: "body.channels",
  message: `this portal session manages only webhooks on channels ${scope.channels!.join(", ")}`,
  code: "out_of_scope",
});

/**
 * The channels a webhook created through a portal gets: the scope's when the body names none, and
 * only channels within the scope. A portal limited to named webhooks cannot create new ones.
 */
export function channelsForCreate(c: Context<AppEnv>, channels: string[] | null | undefined): string[] | null | undefined {
  const scope = scopeOf(c);
  if (!scope) return channels;
  if (scope.webhookIds) throw new ApiError("forbidden", "This portal session is limited to named webhooks and cannot create new ones");
  if (!scope.channels) return channels;
  if (!channels?.length) return [...scope.channels];
  if (!channels.every((ch) => scope.channels!.includes(ch))) failIfAny([channelIssue(scope)]);
  return channels;
}

/** After an update: the webhook must still be within the scope (a portal cannot move it out). */
export function assertStaysInScope(c: Context<AppEnv>, next: Pick<Webhook, "id" | "channels">): void {
  const scope = scopeOf(c);
  if (scope && !webhookInScope(scope, next)) failIfAny([channelIssue(scope)]);
}

/**
 * A predicate over webhook ids for filtering lists (calls, events, delivery states): everything for
 * a key, the account's in-scope webhooks for a portal. One D1 read, only for portal callers.
 */
export async function webhookIdFilter(c: Context<AppEnv>): Promise<(webhookId: string | null | undefined) => boolean> {
  const scope = scopeOf(c);
  if (!scope) return () => true;
  const live = await listLiveWebhooks(c.env.DB, [scope.accountId]);
  const ids = new Set(live.filter((w) => webhookInScope(scope, w)).map((w) => w.id));
  return (id) => id !== null && id !== undefined && ids.has(id);
}

/** An event is visible to a portal when it was routed to one of the portal's webhooks. */
export async function eventFilter(c: Context<AppEnv>): Promise<(e: { webhookIds: string[] | null; channel: string | null }) => boolean> {
  const scope = scopeOf(c);
  if (!scope) return () => true;
  const keep = await webhookIdFilter(c);
  return (e) => (e.webhookIds ?? []).some(keep);
}

/**
 * Replay targets for a portal: the named webhooks when all are in scope (else 404 for the first that
 * is not), or, when none are named, the event's in-scope webhooks. Keys keep the handler's own rules.
 */
export async function replayTargets(c: Context<AppEnv>, named: string[] | null, eventWebhookIds: string[] | null): Promise<string[] | null> {
  if (!scopeOf(c)) return named;
  const keep = await webhookIdFilter(c);
  if (named) {
    const outside = named.find((id) => !keep(id));
    if (outside) throw notFound("Webhook", outside);
    return named;
  }
  const targets = (eventWebhookIds ?? []).filter(keep);
  if (!targets.length) throw new ApiError("conflict", "None of this portal's webhooks received this event");
  return targets;
}
