// The capacity table: the sustained event rate one deployment holds for RETENTION_DAYS, worked out
// from bytes and request counts measured in the storage scenario against Cloudflare's documented
// limits. Pure arithmetic; every row carries the formula with the numbers put in.
import { round } from "./stats.mjs";

export const PER_OBJECT_NOTE =
  "Durable Object rows bound one object (one webhook, one partition), not the deployment: objects are unlimited in number. " +
  "Each is taken to hold `holdsDays` of its traffic: one day for the day partitions (EventStore, CallLog), 7 days for a webhook's object (its finished deliveries' keys; its call rows stay one day, so this is conservative).";

/** Cloudflare's documented limits (Workers Paid). */
export const LIMITS = {
  d1BytesPerDatabase: 10e9, // D1: 10 GB per database
  doBytesPerObject: 10e9, // Durable Objects (SQLite): 10 GB per object
  doRequestsPerSecPerObject: 1000, // about 1,000 simple requests/s per object
  queueMessagesPerSecPerQueue: 5000, // Queues: about 5,000 messages/s per queue
};

const fmt = (v) => (v === null ? "—" : v === Infinity ? "∞" : Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : String(round(v, 2)));
const bytes = (b) => `${fmt(b)} B`;
const plural = (unit) => (unit === "delivery" ? "deliveries" : `${unit}s`);

/** rate = budget / perUnit, or Infinity when nothing is used per unit. */
const ratePer = (budget, perUnit) => (perUnit > 0 ? budget / perUnit : Infinity);

/**
 * m: {retentionDays, deliveriesPerEvent: [1, 3],
 *     d1: {bytesPerEvent, bytesPerDelivery},
 *     queue: {messagesPerEvent, messagesPerDelivery},
 *     objects: {Class: {bytesPerEvent, bytesPerDelivery, requestsPerEvent, requestsPerDelivery, scope, holdsDays?, unit?}}}
 * scope says what one object of the class serves ("one webhook", "one account's day"); holdsDays how
 * many days of that traffic it keeps (RETENTION_DAYS when absent); unit whether it grows per event or per delivery.
 */
export function capacityTable(m) {
  const retentionSec = m.retentionDays * 86_400;
  const window = `${m.retentionDays} d × 86,400 s`;
  const rows = [];
  // A store that shrank over a phase (a purge ran) counts as holding nothing per unit.
  const d1Event = Math.max(0, m.d1.bytesPerEvent);
  const d1Delivery = Math.max(0, m.d1.bytesPerDelivery);
  for (const f of m.deliveriesPerEvent) {
    const perEvent = d1Event + f * d1Delivery;
    const rate = ratePer(LIMITS.d1BytesPerDatabase / retentionSec, perEvent);
    rows.push({
      limit: "D1 storage, one database (deployment-wide)", deliveriesPerEvent: f, eventsPerSec: rate,
      arithmetic: `10 GB / ((${bytes(d1Event)} + ${f} × ${bytes(d1Delivery)}) × ${window}) = ${fmt(rate)} events/s`,
    });
  }
  for (const f of m.deliveriesPerEvent) {
    const perEvent = m.queue.messagesPerEvent + f * m.queue.messagesPerDelivery;
    const rate = ratePer(LIMITS.queueMessagesPerSecPerQueue, perEvent);
    rows.push({
      limit: "Queues, one queue (deployment-wide)", deliveriesPerEvent: f, eventsPerSec: rate,
      arithmetic: `5,000 messages/s / (${fmt(m.queue.messagesPerEvent)} + ${f} × ${fmt(m.queue.messagesPerDelivery)} messages per event) = ${fmt(rate)} events/s`,
    });
  }
  for (const [cls, o] of Object.entries(m.objects)) {
    // Per object: what one object of the class takes, in the unit it serves (a webhook's deliveries,
    // a partition's events), holding RETENTION_DAYS of it: conservative where an object purges
    // sooner (a webhook's object keeps a succeeded delivery's key for 7 days) or where the class is
    // partitioned by time (one partition holds its window, not the whole retention).
    const unit = o.unit ?? (o.bytesPerDelivery > 0 || o.requestsPerDelivery > 0 ? "delivery" : "event");
    const holdsSec = (o.holdsDays ?? m.retentionDays) * 86_400;
    const holds = `${o.holdsDays ?? m.retentionDays} d × 86,400 s`;
    const b = Math.max(0, unit === "delivery" ? o.bytesPerDelivery : o.bytesPerEvent);
    const r = unit === "delivery" ? o.requestsPerDelivery : o.requestsPerEvent;
    const byStorage = ratePer(LIMITS.doBytesPerObject / holdsSec, Math.max(0, b));
    const byRequests = ratePer(LIMITS.doRequestsPerSecPerObject, r);
    rows.push({
      limit: `Durable Object storage, one ${cls} (${o.scope})`, unit: `${plural(unit)}/s per object`, perObjectPerSec: byStorage,
      arithmetic: `10 GB / (${bytes(b)} per ${unit} × ${holds}) = ${fmt(byStorage)} ${plural(unit)}/s`,
    });
    rows.push({
      limit: `Durable Object requests, one ${cls} (${o.scope})`, unit: `${plural(unit)}/s per object`, perObjectPerSec: byRequests,
      arithmetic: `1,000 requests/s / ${fmt(r)} requests per ${unit} = ${fmt(byRequests)} ${plural(unit)}/s`,
    });
  }
  // The deployment's ceiling: the lowest deployment-wide row at each fan-out. Per-object rows bound
  // one webhook or one partition, not the deployment (objects are unlimited in number).
  const deployment = m.deliveriesPerEvent.map((f) => {
    const wide = rows.filter((r) => r.deliveriesPerEvent === f);
    const min = wide.reduce((a, r) => (r.eventsPerSec < a.eventsPerSec ? r : a));
    return { deliveriesPerEvent: f, eventsPerSec: min.eventsPerSec, limitedBy: min.limit };
  });
  return { limits: LIMITS, retentionDays: m.retentionDays, rows: rows.map(finite), deployment: deployment.map(finite), note: PER_OBJECT_NOTE };
}

// JSON has no Infinity: null there, with unbounded: true.
function finite(r) {
  const out = { ...r };
  for (const k of ["eventsPerSec", "perObjectPerSec"]) {
    if (out[k] === Infinity) {
      out[k] = null;
      out.unbounded = true;
    } else if (typeof out[k] === "number") out[k] = round(out[k], 2);
  }
  return out;
}

export const formatRate = fmt;
