import { describe, expect, it } from "vitest";
import { FilterSchema, matchesFilter, type Filter } from "../../src/domain/filter";

/** Payload shaped like seed 000's ticket.created. */
const ticket = {
  event: "ticket.created",
  timestamp: "2024-09-30T10:00:00.000Z",
  data: {
    ticket_id: "ticket-123",
    pipeline_id: "sales",
    status: "OPEN",
    amount: 250,
    vip: false,
    agent: null,
    tags: ["urgent", "es"],
    items: [{ sku: "A1" }, { sku: "B2" }],
  },
};

const holds = (filter: Filter) => matchesFilter(filter, ticket);

describe("matchesFilter", () => {
  it("lets everything through with no filter or an empty one", () => {
    expect(matchesFilter(null, ticket)).toBe(true);
    expect(matchesFilter(undefined, ticket)).toBe(true);
    expect(matchesFilter({}, ticket)).toBe(true);
    expect(matchesFilter({}, undefined)).toBe(true);
  });

  it("matches a bare value by strict equality on a dotted path", () => {
    expect(holds({ "data.pipeline_id": "sales" })).toBe(true);
    expect(holds({ "data.pipeline_id": "support" })).toBe(false);
    expect(holds({ "data.amount": 250 })).toBe(true);
    expect(holds({ "data.amount": "250" as unknown as number })).toBe(false);
    expect(holds({ "data.vip": false })).toBe(true);
    expect(holds({ event: "ticket.created" })).toBe(true);
  });

  it("matches null only against a present null, not a missing field", () => {
    expect(holds({ "data.agent": null })).toBe(true);
    expect(holds({ "data.missing": null })).toBe(false);
  });

  it("requires every condition to hold (AND)", () => {
    expect(holds({ "data.pipeline_id": "sales", "data.status": "OPEN" })).toBe(true);
    expect(holds({ "data.pipeline_id": "sales", "data.status": "CLOSED" })).toBe(false);
  });

  it("walks into arrays by index", () => {
    expect(holds({ "data.items.1.sku": "B2" })).toBe(true);
    expect(holds({ "data.items.2.sku": { $exists: true } })).toBe(false);
    expect(holds({ "data.items.x.sku": { $exists: true } })).toBe(false);
  });

  it("treats a path through a scalar as missing", () => {
    expect(holds({ "data.status.length": { $exists: true } })).toBe(false);
    expect(holds({ "data.pipeline_id.x": "s" })).toBe(false);
  });

  it("does not read inherited properties", () => {
    expect(holds({ "data.constructor": { $exists: true } })).toBe(false);
    expect(holds({ "data.__proto__": { $exists: true } })).toBe(false);
    expect(holds({ "data.toString": { $exists: true } })).toBe(false);
  });

  it("supports $eq and $ne, with $ne holding for a missing field", () => {
    expect(holds({ "data.status": { $eq: "OPEN" } })).toBe(true);
    expect(holds({ "data.status": { $eq: "CLOSED" } })).toBe(false);
    expect(holds({ "data.status": { $ne: "CLOSED" } })).toBe(true);
    expect(holds({ "data.status": { $ne: "OPEN" } })).toBe(false);
    expect(holds({ "data.missing": { $ne: "OPEN" } })).toBe(true);
    expect(holds({ "data.missing": { $eq: null } })).toBe(false);
  });

  it("supports $in and $nin", () => {
    expect(holds({ "data.status": { $in: ["OPEN", "PENDING"] } })).toBe(true);
    expect(holds({ "data.status": { $in: ["CLOSED"] } })).toBe(false);
    expect(holds({ "data.missing": { $in: ["OPEN"] } })).toBe(false);
    expect(holds({ "data.status": { $nin: ["CLOSED"] } })).toBe(true);
    expect(holds({ "data.status": { $nin: ["OPEN"] } })).toBe(false);
    expect(holds({ "data.missing": { $nin: ["OPEN"] } })).toBe(true);
  });

  it("supports $exists true and false, counting a present null as existing", () => {
    expect(holds({ "data.ticket_id": { $exists: true } })).toBe(true);
    expect(holds({ "data.ticket_id": { $exists: false } })).toBe(false);
    expect(holds({ "data.missing": { $exists: false } })).toBe(true);
    expect(holds({ "data.missing": { $exists: true } })).toBe(false);
    expect(holds({ "data.agent": { $exists: true } })).toBe(true);
  });

  it("compares numbers with $gt, $gte, $lt and $lte, and never matches a non-number", () => {
    expect(holds({ "data.amount": { $gt: 249 } })).toBe(true);
    expect(holds({ "data.amount": { $gt: 250 } })).toBe(false);
    expect(holds({ "data.amount": { $gte: 250 } })).toBe(true);
    expect(holds({ "data.amount": { $lt: 251 } })).toBe(true);
    expect(holds({ "data.amount": { $lt: 250 } })).toBe(false);
    expect(holds({ "data.amount": { $lte: 250 } })).toBe(true);
    expect(holds({ "data.amount": { $gte: 100, $lt: 300 } })).toBe(true);
    expect(holds({ "data.amount": { $gte: 100, $lt: 200 } })).toBe(false);
    expect(holds({ "data.status": { $gt: 0 } })).toBe(false);
    expect(holds({ "data.missing": { $lt: 1e9 } })).toBe(false);
  });

  it("supports $contains on strings and on arrays", () => {
    expect(holds({ "data.ticket_id": { $contains: "123" } })).toBe(true);
    expect(holds({ "data.ticket_id": { $contains: "999" } })).toBe(false);
    expect(holds({ "data.tags": { $contains: "urgent" } })).toBe(true);
    expect(holds({ "data.tags": { $contains: "urg" } })).toBe(false);
    expect(holds({ "data.amount": { $contains: "25" } })).toBe(false);
  });

  it("matches nothing when the body is not JSON and the filter is not empty", () => {
    expect(matchesFilter({ "data.status": { $exists: false } }, undefined)).toBe(false);
  });

  it("treats a top-level scalar payload as having no fields", () => {
    expect(matchesFilter({ "data.status": { $exists: true } }, "text")).toBe(false);
    expect(matchesFilter({ "data.status": { $exists: false } }, 42)).toBe(true);
  });
});

describe("FilterSchema", () => {
  it("accepts the documented example and every operator", () => {
    expect(FilterSchema.safeParse({ "data.pipeline_id": "sales", "data.status": { $in: ["OPEN", "PENDING"] } }).success).toBe(true);
    expect(
      FilterSchema.safeParse({
        a: { $eq: 1, $ne: null, $in: [1, "a", true, null], $nin: [], $exists: true, $gt: 1, $gte: 1, $lt: 2, $lte: 2, $contains: "x" },
      }).success,
    ).toBe(true);
  });

  it.each([
    ["an unknown operator", { "data.x": { $regex: "a" } }],
    ["an empty operator object", { "data.x": {} }],
    ["a nested object as a value", { "data.x": { y: 1 } }],
    ["an array as a value", { "data.x": [1, 2] }],
    ["a non-numeric $gt", { "data.x": { $gt: "1" } }],
    ["a non-boolean $exists", { "data.x": { $exists: "yes" } }],
    ["an object inside $in", { "data.x": { $in: [{ a: 1 }] } }],
    ["an empty key", { "": 1 }],
    ["a key with an empty segment", { "data..x": 1 }],
    ["a key ending in a dot", { "data.": 1 }],
    ["more than 20 conditions", Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i]))],
  ])("refuses %s", (_what, filter) => {
    expect(FilterSchema.safeParse(filter).success).toBe(false);
  });
});
