import { isAccepted, storeEvents, type AcceptedEvent, type AccountEvent } from "./accept";

/**
 * Group commit for the accepting requests (POST /api/events, POST /in/:source), inside the isolate.
 *
 * Every storage call and queue send costs far more than the request around it. So the requests an
 * isolate serves at once share them: a round is one `accept` RPC per EventStore partition (all in
 * parallel) and one queue send (accept.ts) for every event waiting when it starts. Nothing changes
 * for the caller: a request is answered only after its partition committed its event, so 202 still
 * means "stored", and the dedupe verdict is the partition's (src/traffic/dedupe.ts).
 *
 * When does a round start? The `arriving` middleware counts requests that reached an accepting
 * route but have not yet handed in their event (they are reading, verifying, validating). A round
 * starts as soon as nobody is in that state, or when the oldest waiter has waited MAX_LINGER_MS.
 * A lone request therefore writes at once, and under load a round takes everyone who is about to
 * join instead of leaving them for the next round trip.
 *
 * Who runs it? A Worker request may not do I/O on behalf of another, and a promise settled by one
 * request resumes its waiters in that request's context, so rounds cannot hand results over with
 * promises. Instead a round is run by one of its own requests (the leader, which keeps it alive
 * with waitUntil should its client hang up), writes each request's outcome into that request's
 * ticket, and the others find it with a timer of their own: they sleep until the round should be
 * over (its start plus the recent rounds' mean duration), then look every 1, 2, 4 ms. A waiter
 * whose client went away is simply never woken; its event is still stored.
 */
const MAX_EVENTS_PER_ROUND = 100;
/** RPC messages are capped (32 MiB); stay well below it even with large payloads. */
const MAX_PAYLOAD_CHARS_PER_ROUND = 4 * 1024 * 1024;
/** The longest a waiting event is held back for requests still on their way in. */
const MAX_LINGER_MS = 5;
const MAX_POLL_MS = 4;

/**
 * A round whose storage or queue call never settles (its leader's context torn down under it) must not
 * stall the isolate: once a round is this old, the next waiter to look fails the requests still in
 * it (500: whether their events were stored is unknown; a retry with the same id or Idempotency-Key
 * is answered `duplicate` if it was) and lets a new round start. Mutable for tests only.
 */
export const groupCommitLimits = { roundStuckMs: 30_000 };

type Outcome = { ok: true; accepted: AcceptedEvent[] } | { ok: false; error: unknown };

interface Round {
  tickets: Ticket[];
  startedAt: number;
}

interface Ticket {
  items: AccountEvent[];
  chars: number;
  joinedAt: number;
  outcome: Outcome | null;
}

/** One request on an accepting route, from the middleware until it hands in its events. */
export interface Arrival {
  joined: boolean;
}

const waiting: Ticket[] = [];
let waitingEvents = 0;
/** Requests on an accepting route that have not handed in their events yet. */
let onTheirWay = 0;
/** The round in flight, if any: there is at most one per isolate. */
let current: Round | null = null;
/** Moving average of recent rounds' durations (ms). */
let roundMs = 2;

/** Rounds written and what they held, in this isolate (GET /bench/stats shows them). */
export const groupCommitStats = { rounds: 0, requests: 0 };

/** What the group commit holds right now (tests check nothing is left behind). */
export function groupCommitState() {
  return { onTheirWay, waiting: waiting.length, writing: current !== null };
}

/**
 * Marks a request as on its way to acceptGrouped (see the file header); the caller passes the
 * arrival on, and calls `leave` when the request ends (middleware/arriving.ts does both).
 */
export function arrive(): Arrival {
  onTheirWay += 1;
  return { joined: false };
}

/** The request ended; if it never handed in its events, it is no longer on its way. */
export function leave(arrival: Arrival): void {
  if (!arrival.joined) {
    arrival.joined = true;
    onTheirWay -= 1;
  }
}

/** The accepting requests' way in: the events stored (deduped) and queued, in a shared round. */
export async function acceptGrouped(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  items: AccountEvent[],
  arrival?: Arrival,
): Promise<AcceptedEvent[]> {
  const ticket: Ticket = { items, chars: items.reduce((sum, { event }) => sum + event.payload.length, 0), joinedAt: Date.now(), outcome: null };
  waiting.push(ticket);
  waitingEvents += items.length;
  // Handed in: no longer on its way (a round need not wait for it).
  if (arrival) leave(arrival);
  let overdue = 0;
  for (;;) {
    if (ticket.outcome) {
      if (ticket.outcome.ok) return ticket.outcome.accepted;
      throw ticket.outcome.error;
    }
    if (current && Date.now() - current.startedAt >= groupCommitLimits.roundStuckMs) {
      abandon(current);
      continue;
    }
    // This ticket is waiting (it has no outcome and is in no round), so `waiting` is not empty.
    if (!current && (onTheirWay <= 0 || waitingEvents >= MAX_EVENTS_PER_ROUND || Date.now() - waiting[0]!.joinedAt >= MAX_LINGER_MS)) {
      const round = writeRound(env, takeRound());
      ctx.waitUntil(round);
      // The leader stops waiting for a stuck round too (see groupCommitLimits).
      let timer: ReturnType<typeof setTimeout> | null = null;
      await Promise.race([round, new Promise((resolve) => (timer = setTimeout(resolve, groupCommitLimits.roundStuckMs)))]);
      if (timer !== null) clearTimeout(timer);
      continue;
    }
    const left = current ? Math.ceil(current.startedAt + roundMs - Date.now()) : 0;
    const delay = left >= 1 ? left : Math.min(MAX_POLL_MS, 2 ** overdue++);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function writeRound(env: Env, tickets: Ticket[]): Promise<void> {
  const round: Round = { tickets, startedAt: Date.now() };
  current = round;
  groupCommitStats.rounds += 1;
  groupCommitStats.requests += tickets.length;
  let outcomes: Outcome[];
  try {
    const verdicts = await storeEvents(env, tickets.flatMap((t) => t.items));
    let offset = 0;
    outcomes = tickets.map((t): Outcome => {
      const mine = verdicts.slice(offset, (offset += t.items.length));
      const failed = mine.find((v) => !isAccepted(v));
      return failed ? { ok: false, error: failed } : { ok: true, accepted: mine.filter(isAccepted) };
    });
  } catch (error) {
    outcomes = tickets.map(() => ({ ok: false, error }));
  }
  roundMs = 0.8 * roundMs + 0.2 * (Date.now() - round.startedAt);
  // An abandoned round's requests have already been answered.
  if (current !== round) return;
  tickets.forEach((t, i) => (t.outcome = outcomes[i]!));
  current = null;
}

function abandon(round: Round): void {
  const error = new Error(`a group-commit round did not finish within ${groupCommitLimits.roundStuckMs} ms`);
  for (const t of round.tickets) t.outcome ??= { ok: false, error };
  current = null;
}

/** The oldest waiters, bounded by event count and payload size (one waiter always fits). */
function takeRound(): Ticket[] {
  let events = 0;
  let chars = 0;
  let take = 0;
  for (const t of waiting) {
    if (take > 0 && (events + t.items.length > MAX_EVENTS_PER_ROUND || chars + t.chars > MAX_PAYLOAD_CHARS_PER_ROUND)) break;
    events += t.items.length;
    chars += t.chars;
    take += 1;
  }
  waitingEvents -= events;
  return waiting.splice(0, take);
}
