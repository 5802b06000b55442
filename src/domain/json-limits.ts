import { z } from "@hono/zod-openapi";

/**
 * Limits on free-form JSON a client sends: how deep it nests, and (for configuration) no
 * prototype keys. Checked on the request's own parsed value before any schema or
 * JSON.stringify sees it: both recurse, so a value nested 100,000 deep would overflow the stack
 * and answer 500, and a record schema copies `__proto__` onto a plain object, where it vanishes
 * (a filter `{"__proto__": …}` became `{}`, which matches every event).
 *
 * The walk is iterative and visits each value once, so its cost is linear in the input.
 */

/** Config fields (metadata, filter, headers, source rules): real ones nest a few levels. */
export const MAX_CONFIG_DEPTH = 32;
/** Event payloads: generous for real documents, far below what would overflow a recursive reader. */
export const MAX_PAYLOAD_DEPTH = 64;

const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export interface JsonLimits {
  maxDepth: number;
  /** Refuse `__proto__`, `constructor` and `prototype` as object keys at any depth. */
  refusePrototypeKeys: boolean;
}

export const CONFIG_LIMITS: JsonLimits = { maxDepth: MAX_CONFIG_DEPTH, refusePrototypeKeys: true };
export const PAYLOAD_LIMITS: JsonLimits = { maxDepth: MAX_PAYLOAD_DEPTH, refusePrototypeKeys: false };

export interface JsonProblem {
  /** Where, relative to the value checked. */
  path: (string | number)[];
  message: string;
}

/** Depth of a value: a scalar is 0, `{}` or `[]` is 1, `{"a": []}` is 2. */
export function jsonProblem(value: unknown, limits: JsonLimits): JsonProblem | null {
  // Each entry: a container, its depth, and the key path to it (kept as a parent link, so the
  // walk does not copy paths).
  interface Frame {
    value: object;
    depth: number;
    parent: Frame | null;
    key: string | number | null;
  }
  const pathOf = (f: Frame | null, tail: (string | number)[] = []) => {
    const path = [...tail];
    for (let at = f; at && at.key !== null; at = at.parent) path.unshift(at.key);
    return path;
  };
  if (value === null || typeof value !== "object") return null;
  const stack: Frame[] = [{ value, depth: 1, parent: null, key: null }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > limits.maxDepth) {
      return { path: [], message: `is nested more than ${limits.maxDepth} levels deep` };
    }
    const entries: [string | number, unknown][] = Array.isArray(frame.value)
      ? frame.value.map((v, i) => [i, v])
      : Object.keys(frame.value).map((k) => [k, (frame.value as Record<string, unknown>)[k]]);
    for (const [key, child] of entries) {
      if (limits.refusePrototypeKeys && typeof key === "string" && PROTOTYPE_KEYS.has(key)) {
        return { path: pathOf(frame, [key]), message: `may not use "${key}" as a key` };
      }
      if (child !== null && typeof child === "object") stack.push({ value: child, depth: frame.depth + 1, parent: frame, key });
    }
  }
  return null;
}

/**
 * `schema`, run only on values within `limits`; otherwise one issue at the offending place and
 * the schema never sees the value.
 */
export function withinJsonLimits<T extends z.ZodType>(schema: T, limits: JsonLimits = CONFIG_LIMITS) {
  return z.preprocess((value, ctx) => {
    const problem = jsonProblem(value, limits);
    if (problem) ctx.addIssue({ code: "custom", message: problem.message, path: problem.path, input: value });
    return value;
  }, schema);
}
