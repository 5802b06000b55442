import { z } from "@hono/zod-openapi";

/**
 * Payload filters: `{"data.pipeline_id": "sales", "data.amount": {"$gte": 100}}`. Every entry must
 * hold (AND). Keys are dotted paths into the JSON payload; a bare value means equality. `$or` /
 * `$and` take lists of filters, `$not` one filter; `$icontains` / `$istartsWith` compare ignoring
 * case (Vambe's "Event Filtering" example lowercases the message before matching). No regular
 * expressions, and a filter's nesting and size are bounded, so evaluating one per event per
 * webhook stays cheap and predictable.
 */
const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const Operators = z
  .object({
    $eq: Scalar.optional(),
    $ne: Scalar.optional(),
    $in: z.array(Scalar).max(100).optional(),
    $nin: z.array(Scalar).max(100).optional(),
    $exists: z.boolean().optional(),
    $gt: z.number().optional(),
    $gte: z.number().optional(),
    $lt: z.number().optional(),
    $lte: z.number().optional(),
    $contains: z.string().optional(),
    $icontains: z.string().max(1000).optional(),
    $istartsWith: z.string().max(1000).optional(),
  })
  .strict()
  .refine((o) => Object.keys(o).length > 0, "an operator object needs at least one of $eq, $ne, $in, $nin, $exists, $gt, $gte, $lt, $lte, $contains, $icontains, $istartsWith");

const Condition = z.union([Scalar, Operators]);
type Condition = z.infer<typeof Condition>;

/** A filter: path conditions, and the logical keys. */
export interface Filter {
  [path: string]: Condition | Filter[] | Filter | undefined;
  $or?: Filter[];
  $and?: Filter[];
  $not?: Filter;
}

const PATH = /^[^.$][^.]*(\.[^.]+)*$/;
/** Entries in one filter object; the same bound the flat filters always had. */
export const MAX_FILTER_ENTRIES = 20;
/** Filters in one $or / $and list. */
export const MAX_FILTER_BRANCHES = 20;
/** Nesting of $or / $and / $not: the top level is depth 1. */
export const MAX_FILTER_DEPTH = 4;
/** Path conditions in the whole filter, across every branch. */
export const MAX_FILTER_CONDITIONS = 50;

type Issue = { path: (string | number)[]; message: string };

/** Walks a filter, collecting shape problems; `counted` tallies path conditions for the size bound. */
function check(node: unknown, depth: number, at: (string | number)[], issues: Issue[], counted: { n: number }): void {
  if (node === null || typeof node !== "object" || Array.isArray(node)) {
    issues.push({ path: at, message: "a filter is an object of path conditions (and $or / $and / $not)" });
    return;
  }
  const entries = Object.entries(node);
  if (entries.length > MAX_FILTER_ENTRIES) issues.push({ path: at, message: `at most ${MAX_FILTER_ENTRIES} conditions` });
  for (const [key, value] of entries) {
    if (key === "$or" || key === "$and" || key === "$not") {
      if (depth >= MAX_FILTER_DEPTH) {
        issues.push({ path: [...at, key], message: `filters nest at most ${MAX_FILTER_DEPTH} levels deep` });
        continue;
      }
      if (key === "$not") {
        check(value, depth + 1, [...at, key], issues, counted);
        continue;
      }
      if (!Array.isArray(value) || value.length === 0 || value.length > MAX_FILTER_BRANCHES) {
        issues.push({ path: [...at, key], message: `${key} takes a list of 1 to ${MAX_FILTER_BRANCHES} filters` });
        continue;
      }
      value.forEach((branch, i) => check(branch, depth + 1, [...at, key, i], issues, counted));
      continue;
    }
    if (key.length === 0 || key.length > 200 || !PATH.test(key)) {
      issues.push({
        path: [...at, key],
        message: key.startsWith("$") ? `unknown logical operator ${key} (use $or, $and, $not)` : "must be a dotted path like data.pipeline_id",
      });
      continue;
    }
    counted.n += 1;
    const parsed = Condition.safeParse(value);
    if (!parsed.success) for (const issue of parsed.error.issues) issues.push({ path: [...at, key, ...(issue.path as (string | number)[])], message: issue.message });
  }
}

export const FilterSchema = z
  .record(z.string(), z.unknown())
  .superRefine((filter, ctx) => {
    const issues: Issue[] = [];
    const counted = { n: 0 };
    check(filter, 1, [], issues, counted);
    for (const issue of issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    if (issues.length === 0 && counted.n > MAX_FILTER_CONDITIONS) ctx.addIssue({ code: "custom", path: [], message: `at most ${MAX_FILTER_CONDITIONS} conditions in all` });
  })
  .transform((f) => f as Filter)
  .openapi("Filter", {
    description: "Path conditions that must all hold, plus $or / $and (lists of filters) and $not (one filter); operators $eq $ne $in $nin $exists $gt $gte $lt $lte $contains $icontains $istartsWith. At most 4 levels deep, 20 entries per object, 50 conditions in all.",
    example: { "data.pipeline_id": "sales", $or: [{ "data.message": { $icontains: "order" } }, { "data.status": { $in: ["OPEN", "PENDING"] } }] },
  });

type ScalarValue = z.infer<typeof Scalar>;

const MISSING = Symbol("missing");

function lookup(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object") return MISSING;
    if (Array.isArray(current)) {
      const index = Number(key);
      if (!Number.isInteger(index)) return MISSING;
      current = current[index];
    } else {
      if (!Object.hasOwn(current, key)) return MISSING;
      current = (current as Record<string, unknown>)[key];
    }
    if (current === undefined) return MISSING;
  }
  return current;
}

const equal = (a: unknown, b: ScalarValue) => a === b;

function holds(actual: unknown, condition: Condition): boolean {
  if (condition === null || typeof condition !== "object") return actual !== MISSING && equal(actual, condition);
  const c = condition;
  if (c.$exists !== undefined && (actual !== MISSING) !== c.$exists) return false;
  if (c.$eq !== undefined && !equal(actual, c.$eq)) return false;
  if (c.$ne !== undefined && actual !== MISSING && equal(actual, c.$ne)) return false;
  if (c.$in && !c.$in.some((v) => equal(actual, v))) return false;
  if (c.$nin && c.$nin.some((v) => equal(actual, v))) return false;
  const num = typeof actual === "number" ? actual : null;
  if (c.$gt !== undefined && !(num !== null && num > c.$gt)) return false;
  if (c.$gte !== undefined && !(num !== null && num >= c.$gte)) return false;
  if (c.$lt !== undefined && !(num !== null && num < c.$lt)) return false;
  if (c.$lte !== undefined && !(num !== null && num <= c.$lte)) return false;
  if (c.$contains !== undefined) {
    const ok =
      (typeof actual === "string" && actual.includes(c.$contains)) ||
      (Array.isArray(actual) && actual.includes(c.$contains));
    if (!ok) return false;
  }
  if (c.$icontains !== undefined) {
    const needle = c.$icontains.toLowerCase();
    const ok =
      (typeof actual === "string" && actual.toLowerCase().includes(needle)) ||
      (Array.isArray(actual) && actual.some((v) => typeof v === "string" && v.toLowerCase() === needle));
    if (!ok) return false;
  }
  if (c.$istartsWith !== undefined && !(typeof actual === "string" && actual.toLowerCase().startsWith(c.$istartsWith.toLowerCase()))) return false;
  return true;
}

function matchesNode(filter: Filter, payload: unknown): boolean {
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    if (key === "$or") {
      if (!(value as Filter[]).some((f) => matchesNode(f, payload))) return false;
    } else if (key === "$and") {
      if (!(value as Filter[]).every((f) => matchesNode(f, payload))) return false;
    } else if (key === "$not") {
      if (matchesNode(value as Filter, payload)) return false;
    } else if (!holds(lookup(payload, key), value as Condition)) {
      return false;
    }
  }
  return true;
}

/** `payload` is the parsed JSON body, or undefined when the body is not JSON (then no filter holds). */
export function matchesFilter(filter: Filter | null | undefined, payload: unknown): boolean {
  if (!filter) return true;
  if (Object.keys(filter).length === 0) return true;
  if (payload === undefined) return false;
  return matchesNode(filter, payload);
}
