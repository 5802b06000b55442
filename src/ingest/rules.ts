import type { ResolvedRules, RuleInput, RuleSetting, Source } from "../domain/source";
import { isMetaTopic, TOPIC_NAME } from "../domain/topics";
import { GENERIC_DEFAULTS, PROVIDER_DEFAULTS, type FieldRule } from "./verifiers";

/**
 * Topic, channel and dedupe-id extraction for inbound events. Pure: the route hands in the body
 * (parsed lazily, at most once) and the headers; rules come from the source or the provider's
 * defaults.
 */

const MAX_TOPIC_LENGTH = 200;
const MAX_CHANNEL_LENGTH = 200;

function toFieldRule(r: RuleInput): FieldRule | null {
  if (r.path !== undefined) return { path: r.path };
  if (r.header !== undefined) return { header: r.header.toLowerCase() };
  if (r.value !== undefined) return { value: r.value };
  return null;
}

/** A stored setting as a list; null means "not set" (the caller uses the defaults). */
export function ruleList(setting: RuleSetting): FieldRule[] | null {
  if (setting === null) return null;
  const list = Array.isArray(setting) ? setting : [setting];
  return list.flatMap((r) => toFieldRule(r) ?? []);
}

/**
 * The topic used when no rule yields one. A verified event is never refused for lacking a topic
 * (the provider would retry it for days, and the request is genuine), so it gets
 * `<source name as a slug>.event`, e.g. "Billing (prod)" → `billing-prod.event`.
 */
export const fallbackTopic = (sourceName: string): string => `${sourceSlug(sourceName)}.event`;

const MAX_SLUG_LENGTH = 60;

export function sourceSlug(sourceName: string): string {
  let slug = "";
  let pendingDash = false;
  for (const ch of sourceName.toLowerCase()) {
    if (/[a-z0-9_]/.test(ch)) {
      if (pendingDash && slug) slug += "-";
      pendingDash = false;
      slug += ch;
      if (slug.length >= MAX_SLUG_LENGTH) break;
    } else {
      pendingDash = true;
    }
  }
  return trimEnd(slug.slice(0, MAX_SLUG_LENGTH), "-") || "source";
}

export function resolveRules(source: Pick<Source, "name" | "verification" | "topic" | "channel" | "dedupe">): ResolvedRules {
  const defaults = PROVIDER_DEFAULTS[source.verification.type] ?? GENERIC_DEFAULTS;
  return {
    topic: ruleList(source.topic) ?? [...defaults.topic],
    fallbackTopic: fallbackTopic(source.name),
    channel: ruleList(source.channel) ?? [...defaults.channel],
    dedupe: ruleList(source.dedupe) ?? [...defaults.dedupe],
  };
}

/** The request as extraction sees it: headers, and the body document parsed on first use. */
export interface ExtractInput {
  headers: Headers;
  text: string;
  contentType: string;
}

/**
 * JSON bodies are parsed when they look like JSON whatever the content type says (providers are
 * not always precise); form bodies become `{field: value}`. Anything else has no paths.
 */
function parseDocument(input: ExtractInput): unknown {
  if (/application\/x-www-form-urlencoded/i.test(input.contentType)) {
    return Object.fromEntries(new URLSearchParams(input.text));
  }
  // A leading BOM is kept in the stored bytes but JSON.parse refuses it.
  const text = input.text.charCodeAt(0) === 0xfeff ? input.text.slice(1) : input.text;
  const first = text.trimStart()[0];
  if (first !== "{" && first !== "[") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Follows a dotted path. A string met before the path ends is parsed as JSON and followed into,
 * which covers Slack's form-encoded `payload={json}` and envelopes that carry JSON in a string.
 */
export function valueAtPath(root: unknown, path: string): unknown {
  let current = root;
  for (const segment of path.split(".")) {
    if (typeof current === "string") {
      try {
        current = JSON.parse(current);
      } catch {
        return undefined;
      }
    }
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (typeof current === "object" && current !== null && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

export class Extractor {
  readonly #input: ExtractInput;
  #document: unknown;
  #parsed = false;

  constructor(input: ExtractInput) {
    this.#input = input;
  }

  private document(): unknown {
    if (!this.#parsed) {
      this.#document = parseDocument(this.#input);
      this.#parsed = true;
    }
    return this.#document;
  }

  /** The first rule yielding a non-empty string (numbers count, as ids often are numbers). */
  first(rules: readonly FieldRule[], accept: (value: string) => string | null = (v) => v): string | null {
    for (const rule of rules) {
      let raw: unknown;
      if ("value" in rule) raw = rule.value;
      else if ("header" in rule) raw = this.#input.headers.get(rule.header);
      else raw = valueAtPath(this.document(), rule.path);
      if (typeof raw === "number" && Number.isFinite(raw)) raw = String(raw);
      if (typeof raw !== "string") continue;
      const value = accept(raw.trim());
      if (value) return value;
    }
    return null;
  }
}

/**
 * A provider's event name as a topic name. Names outside the topic alphabet are rewritten rather
 * than refused (the event is genuine): runs of other characters become `_`, runs of separators
 * collapse to their first, and `_ . : /` are trimmed at the ends ("Message Received!" →
 * `Message_Received`). Provider names in hookrelay's own namespaces (`webhook.*`, `delivery.*`) are
 * prefixed with `prefix` so a provider cannot forge hookrelay's operational events to their
 * subscribers.
 *
 * The value comes from the sender, so the cost is bounded and linear: only the first
 * MAX_TOPIC_SCAN_CHARS characters are looked at, in one pass that stops once the topic is full
 * (regex replaces with a `[…]+$` tail backtrack quadratically on a long run, which let one request
 * hold the isolate for a minute).
 */
export function toTopicName(raw: string, prefix: string): string | null {
  let topic = raw.length <= MAX_TOPIC_LENGTH && TOPIC_NAME.test(raw) ? raw : rewriteTopic(raw);
  if (topic === null) return null;
  if (isMetaTopic(topic)) topic = trimEnd(`${prefix}.${topic}`.slice(0, MAX_TOPIC_LENGTH), SEPARATORS);
  return topic;
}

/** Characters looked at when rewriting a topic: enough for a 200-character name after collapsing. */
export const MAX_TOPIC_SCAN_CHARS = 4 * MAX_TOPIC_LENGTH;
const SEPARATORS = ".:/";
const TRIMMED = "_.:/";
const isWordChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 /* _ */ || c === 45; /* - */

function trimEnd(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text[end - 1]!)) end--;
  return text.slice(0, end);
}

function rewriteTopic(raw: string): string | null {
  const input = raw.slice(0, MAX_TOPIC_SCAN_CHARS);
  let out = "";
  let lastWasInvalid = false;
  let lastWasSeparator = false;
  for (let i = 0; i < input.length && out.length < MAX_TOPIC_LENGTH; i++) {
    const ch = input[i]!;
    let emit: string | null;
    if (isWordChar(input.charCodeAt(i))) {
      emit = ch;
      lastWasInvalid = lastWasSeparator = false;
    } else if (SEPARATORS.includes(ch)) {
      emit = lastWasSeparator ? null : ch;
      lastWasSeparator = true;
      lastWasInvalid = false;
    } else {
      emit = lastWasInvalid ? null : "_";
      lastWasInvalid = true;
      lastWasSeparator = false;
    }
    // Leading `_ . : /` are dropped as they come.
    if (emit !== null && !(out === "" && TRIMMED.includes(emit))) out += emit;
  }
  const topic = trimEnd(out, TRIMMED);
  return TOPIC_NAME.test(topic) ? topic : null;
}

export const toChannel = (raw: string): string | null => (raw.length > 0 && raw.length <= MAX_CHANNEL_LENGTH ? raw : null);

/** Unique-index keys stay short; a provider id longer than this is stored as its SHA-256. */
export const MAX_DEDUPE_KEY_LENGTH = 200;
