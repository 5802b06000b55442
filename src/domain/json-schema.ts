import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
import type { FieldIssue } from "./errors";

/**
 * Topic payload schemas: JSON Schema draft 2020-12, checked with @cfworker/json-schema (made for
 * Workers: it interprets the schema, where Ajv would need eval). Pure; the per-isolate caching of
 * compiled validators lives with the accepting path (delivery/topic-schemas.ts).
 */
export const SCHEMA_DRAFT = "2020-12";
export const SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";
export const MAX_SCHEMA_BYTES = 64 * 1024;
/** More than this many failing paths in one answer says nothing more useful. */
const MAX_REPORTED_ISSUES = 20;

/**
 * Keywords refused in account schemas: `pattern` and `patternProperties` run the schema author's
 * regular expression over every published payload on the accepting request, where one
 * catastrophic pattern would stall it (filters refuse regexes for the same reason).
 */
const REFUSED_KEYWORDS = new Set(["pattern", "patternProperties"]);

export type JsonSchema = Schema | boolean;

/** Problems with a schema an account submits (its shape, not a payload). Paths start at `path`. */
export function schemaProblems(schema: unknown, path: string): FieldIssue[] {
  if (typeof schema === "boolean") return [];
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
    return [{ path, message: "a JSON Schema is an object (or true/false)", code: "invalid_schema" }];
  }
  const size = JSON.stringify(schema).length;
  if (size > MAX_SCHEMA_BYTES) return [{ path, message: `the schema is ${size} bytes of JSON; the limit is ${MAX_SCHEMA_BYTES}`, code: "too_large" }];
  const issues: FieldIssue[] = [];
  const walk = (node: unknown, at: string) => {
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (REFUSED_KEYWORDS.has(key) && !at.endsWith(".properties")) {
        issues.push({ path: `${at}.${key}`, message: `${key} is not supported: regular expressions are not run on the publish path`, code: "unsupported_keyword" });
      }
      walk(value, `${at}.${key}`);
    }
  };
  walk(schema, path);
  const declared = (schema as { $schema?: unknown }).$schema;
  if (declared !== undefined && declared !== SCHEMA_DIALECT) {
    issues.push({ path: `${path}.$schema`, message: `only draft 2020-12 (${SCHEMA_DIALECT}) is supported`, code: "invalid_schema" });
  }
  if (issues.length === 0) {
    try {
      new Validator(schema as Schema, SCHEMA_DRAFT, false).validate(null);
    } catch (err) {
      issues.push({ path, message: `not a usable JSON Schema: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300), code: "invalid_schema" });
    }
  }
  return issues;
}

export function compileSchema(schema: JsonSchema): Validator {
  // shortCircuit false: report every failing path, not just the first.
  return new Validator(schema, SCHEMA_DRAFT, false);
}

/** `#/data/message` → `body.payload.data.message` (JSON Pointer unescaped). */
function pointerToPath(pointer: string, prefix: string): string {
  const parts = pointer.replace(/^#\/?/, "").split("/").filter((p) => p !== "");
  return [prefix, ...parts.map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))].join(".");
}

/** Keywords whose error only says "a child failed"; the child's own error is the useful one. */
const SUMMARY_KEYWORDS = new Set(["properties", "items", "prefixItems", "allOf", "$ref", "$dynamicRef", "dependentSchemas", "unevaluatedProperties", "unevaluatedItems", "contains", "if", "then", "else"]);

/** The payload's failing paths, or [] when it is valid. */
export function payloadIssues(validator: Validator, payload: unknown, prefix: string): FieldIssue[] {
  const result = validator.validate(payload);
  if (result.valid) return [];
  const leaves = result.errors.filter((e: OutputUnit) => !SUMMARY_KEYWORDS.has(e.keyword));
  const seen = new Set<string>();
  const issues: FieldIssue[] = [];
  for (const e of leaves.length ? leaves : result.errors) {
    const issue = { path: pointerToPath(e.instanceLocation, prefix), message: e.error, code: `schema_${e.keyword}` };
    const key = `${issue.path}\0${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
    if (issues.length >= MAX_REPORTED_ISSUES) break;
  }
  return issues;
}

/**
 * A schema from example payloads: each example's shape (types, and its keys as required, except
 * the dotted `optional` paths), several examples as `anyOf` (the same topic name carries different
 * payloads on different platforms). `null` in an example accepts anything there: the docs show
 * null for fields that are usually set. Extra keys are allowed, so payloads may grow.
 */
export function inferSchema(examples: readonly unknown[], optional: readonly string[] = []): Schema {
  const shapes = examples.map((e) => infer(e, "", new Set(optional)));
  const body: Schema = shapes.length === 1 ? shapes[0]! : { anyOf: shapes };
  return { $schema: SCHEMA_DIALECT, ...body };
}

function infer(value: unknown, at: string, optional: ReadonlySet<string>): Schema {
  if (value === null) return {};
  if (Array.isArray(value)) {
    if (value.length === 0) return { type: "array" };
    return { type: "array", items: infer(value[0], `${at}[]`, optional) };
  }
  switch (typeof value) {
    case "string":
      return { type: "string" };
    case "number":
      return { type: Number.isInteger(value) ? "integer" : "number" };
    case "boolean":
      return { type: "boolean" };
    case "object": {
      const properties: Record<string, Schema> = {};
      const required: string[] = [];
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        const path = at ? `${at}.${key}` : key;
        properties[key] = infer(child, path, optional);
        if (!optional.has(path) && child !== null) required.push(key);
      }
      return { type: "object", properties, required };
    }
    default:
      return {};
  }
}
