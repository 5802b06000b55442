import { z } from "@hono/zod-openapi";

/**
 * Payload filters: `{"data.pipeline_id": "sales", "data.amount": {"$gte": 100}}`. Every entry must
 * hold (AND). Keys are dotted paths into the JSON payload; a bare value means equality.
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
  })
  .strict()
  .refine((o) => Object.keys(o).length > 0, "an operator object needs at least one of $eq, $ne, $in, $nin, $exists, $gt, $gte, $lt, $lte, $contains");

export const FilterSchema = z
  .record(z.string().min(1).max(200).regex(/^[^.]+(\.[^.]+)*$/, "must be a dotted path like data.pipeline_id"), z.union([Scalar, Operators]))
  .refine((f) => Object.keys(f).length <= 20, "at most 20 conditions")
  .openapi("Filter", { example: { "data.pipeline_id": "sales", "data.status": { $in: ["OPEN", "PENDING"] } } });

export type Filter = z.infer<typeof FilterSchema>;
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

function holds(actual: unknown, condition: Filter[string]): boolean {
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
  return true;
}

/** `payload` is the parsed JSON body, or undefined when the body is not JSON (then no filter holds). */
export function matchesFilter(filter: Filter | null | undefined, payload: unknown): boolean {
  if (!filter) return true;
  const entries = Object.entries(filter);
  if (entries.length === 0) return true;
  if (payload === undefined) return false;
  return entries.every(([path, condition]) => holds(lookup(payload, path), condition));
}
