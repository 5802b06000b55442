import { describe, expect, it } from "vitest";
import { FilterSchema, matchesFilter, MAX_FILTER_CONDITIONS, MAX_FILTER_DEPTH, type Filter } from "../../src/domain/filter";

/** $or / $and / $not and the case-insensitive operators: grammar, bounds and evaluation. */
const parse = (f: unknown) => FilterSchema.parse(f) as Filter;
const issuePaths = (f: unknown) => {
  const r = FilterSchema.safeParse(f);
  return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
};

// Seed 000's "Event Filtering": lowercases the message before matching "order".
const vambe = (message: string, pipeline = "sales-pipeline-id") => ({ type: "message.received", data: { message, pipeline_id: pipeline } });

describe("filter evaluation", () => {
  it("$icontains matches ignoring case, as seed 000's toLowerCase().includes('order')", () => {
    const f = parse({ "data.message": { $icontains: "order" } });
    expect(matchesFilter(f, vambe("Where is my ORDER #12?"))).toBe(true);
    expect(matchesFilter(f, vambe("Ordered yesterday"))).toBe(true);
    expect(matchesFilter(f, vambe("hello"))).toBe(false);
    expect(matchesFilter(f, { data: { message: 42 } })).toBe(false);
    expect(matchesFilter(parse({ tags: { $icontains: "VIP" } }), { tags: ["new", "vip"] })).toBe(true);
  });

  it("$istartsWith matches a prefix ignoring case", () => {
    const f = parse({ "data.message": { $istartsWith: "urgent" } });
    expect(matchesFilter(f, vambe("URGENT: call me"))).toBe(true);
    expect(matchesFilter(f, vambe("not urgent"))).toBe(false);
  });

  it("$or needs one branch, $and every branch, $not none", () => {
    const f = parse({
      $or: [{ "data.message": { $icontains: "billing" } }, { "data.message": { $icontains: "payment" } }],
      $not: { "data.pipeline_id": "spam" },
    });
    expect(matchesFilter(f, vambe("Billing question"))).toBe(true);
    expect(matchesFilter(f, vambe("a PAYMENT failed"))).toBe(true);
    expect(matchesFilter(f, vambe("technical bug"))).toBe(false);
    expect(matchesFilter(f, vambe("billing", "spam"))).toBe(false);
    const all = parse({ $and: [{ "data.message": { $icontains: "a" } }, { "data.message": { $icontains: "b" } }] });
    expect(matchesFilter(all, vambe("AB"))).toBe(true);
    expect(matchesFilter(all, vambe("A"))).toBe(false);
  });

  it("nests logical operators with path conditions beside them (all must hold)", () => {
    const f = parse({ type: "message.received", $or: [{ $and: [{ "data.pipeline_id": "sales-pipeline-id" }, { $not: { "data.message": { $exists: false } } }] }, { "data.vip": true }] });
    expect(matchesFilter(f, vambe("x"))).toBe(true);
    expect(matchesFilter(f, { type: "message.received", data: { vip: true } })).toBe(true);
    expect(matchesFilter(f, { type: "ticket.created", data: { vip: true } })).toBe(false);
  });

  it("a non-JSON body matches no filter, and $not does not turn that around", () => {
    expect(matchesFilter(parse({ $not: { a: 1 } }), undefined)).toBe(false);
  });
});

describe("filter grammar and bounds", () => {
  it(`refuses nesting deeper than ${MAX_FILTER_DEPTH} levels`, () => {
    let f: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < MAX_FILTER_DEPTH - 1; i++) f = { $not: f };
    expect(FilterSchema.safeParse(f).success).toBe(true);
    expect(issuePaths({ $not: f })).toEqual(["$not.$not.$not.$not"]);
  });

  it(`refuses more than ${MAX_FILTER_CONDITIONS} conditions in all`, () => {
    const branch = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(FilterSchema.safeParse({ $or: [branch(20), branch(20), branch(10)] }).success).toBe(true);
    expect(FilterSchema.safeParse({ $or: [branch(20), branch(20), branch(11)] }).success).toBe(false);
  });

  it.each([
    ["an empty $or", { $or: [] }, "$or"],
    ["$and that is not a list", { $and: { a: 1 } }, "$and"],
    ["$not that is a list", { $not: [{ a: 1 }] }, "$not"],
    ["an unknown logical operator", { $nor: [{ a: 1 }] }, "$nor"],
    ["a bad condition inside a branch", { $or: [{ a: 1 }, { "data.x": { $regex: "^a" } }] }, "$or.1.data.x"],
    ["$icontains that is not a string", { a: { $icontains: 1 } }, "a"],
    ["21 branches", { $or: Array.from({ length: 21 }, () => ({ a: 1 })) }, "$or"],
  ])("refuses %s, naming the path", (_what, filter, path) => {
    expect(issuePaths(filter)).toContain(path);
  });
});
