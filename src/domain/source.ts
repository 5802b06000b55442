import { z } from "@hono/zod-openapi";
import { HeaderName, isUnforwardable } from "./headers";
import { VerificationConfig, type FieldRule, type VerificationType } from "./verification";
import { withinJsonLimits } from "./json-limits";
import { ClientTopic } from "./topics";

/**
 * The inbound source resource: request schemas, the stored shape and the response shape.
 * A source is a URL (`/in/src_…`) that a provider posts to; hookrelay verifies the provider's
 * signature, extracts topic / channel / dedupe id with the rules below, and stores the event.
 */

// Dotted path into the JSON body (`data.object.id`, `entry.0.id`); no empty segments.
const JsonPath = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^.]+(\.[^.]+)*$/, "must be a dotted path such as data.object.id");

const exactlyOne = (r: { path?: string | undefined; header?: string | undefined; value?: string | undefined }) =>
  [r.path, r.header, r.value].filter((v) => v !== undefined).length === 1;

const ruleDoc = {
  description: "Where to read the value: `path` (dotted JSON path into the body; for form bodies the first segment names the field), `header` (a request header, any case) or `value` (fixed).",
};

const TopicRule = z
  .object({
    path: JsonPath.optional(),
    header: HeaderName.optional(),
    value: ClientTopic.optional(),
  })
  .strict()
  .refine(exactlyOne, "set exactly one of path, header or value")
  .openapi("SourceTopicRule", { ...ruleDoc, example: { path: "type" } });

const ChannelRule = z
  .object({ path: JsonPath.optional(), header: HeaderName.optional(), value: z.string().min(1).max(200).optional() })
  .strict()
  .refine(exactlyOne, "set exactly one of path, header or value")
  .openapi("SourceChannelRule", { ...ruleDoc, example: { path: "sessionId" } });

const DedupeRule = z
  .object({
    path: JsonPath.optional(),
    header: HeaderName.optional(),
    // Accepted by the shape only to answer with a clear message instead of "unrecognized key".
    value: z.string().optional(),
  })
  .strict()
  .refine((r) => r.value === undefined, "a fixed dedupe value would make every event after the first a duplicate; use path or header")
  .refine(exactlyOne, "set exactly one of path or header")
  .openapi("SourceDedupeRule", { description: "Where the provider's event id is: `path` (JSON body) or `header`.", example: { header: "x-github-delivery" } });

const MAX_RULES = 5;

/** One rule, or several tried in order (the first that yields a value wins). */
export const TopicSetting = withinJsonLimits(z
  .union([TopicRule, z.array(TopicRule).min(1).max(MAX_RULES)])
  .nullable()
  .openapi({ description: "Topic rule(s); null or absent: the provider's default (see resolvedRules). With no match the topic is resolvedRules.fallbackTopic." }));
export const ChannelSetting = withinJsonLimits(z
  .union([ChannelRule, z.array(ChannelRule).max(MAX_RULES)])
  .nullable()
  .openapi({ description: "Channel rule(s); [] for no channel; null or absent: the provider's default." }));
export const DedupeSetting = withinJsonLimits(z
  .union([DedupeRule, z.array(DedupeRule).max(MAX_RULES)])
  .nullable()
  .openapi({ description: "Provider event id rule(s), deduplicated for 24 h; [] turns deduplication off; null or absent: the provider's default." }));

export type RuleInput = { path?: string | undefined; header?: string | undefined; value?: string | undefined };
export type RuleSetting = RuleInput | RuleInput[] | null;

const ForwardHeaders = z
  .array(HeaderName.refine((h) => !isUnforwardable(h), { message: "is set by hookrelay, describes the inbound hop or carries credentials, so it cannot be forwarded", params: { code: "forbidden_header" } }))
  .max(20)
  .nullable()
  .openapi({ description: "Request headers passed on to subscribers with each delivery", example: ["x-github-event", "x-github-delivery"] });

const RateLimit = z
  .object({ perSecond: z.number().min(0.1).max(10_000).openapi({ description: "Sustained requests per second; bursts up to one second's worth (at least 1)" }) })
  .strict()
  .nullable()
  .openapi("SourceRateLimit");

const Secret = z.string().min(1).max(1024).openapi({
  description: "The provider's signing secret (required for stripe, github, shopify, slack, hmac, vobiz, whatsapp-api); generated when absent for standard-webhooks, basic and api-key; not used by none.",
});

const sourceFields = {
  name: z.string().trim().min(1).max(100).openapi({ example: "GitHub org events" }),
  description: z.string().max(500).nullable(),
  verification: VerificationConfig,
  topic: TopicSetting,
  channel: ChannelSetting,
  dedupe: DedupeSetting,
  forwardHeaders: ForwardHeaders,
  rateLimit: RateLimit,
  active: z.boolean().openapi({ description: "false: the source answers 503 and stores nothing, so providers retry later" }),
  secret: Secret,
};

export const SourceCreate = z
  .object({
    name: sourceFields.name,
    description: sourceFields.description.optional(),
    verification: sourceFields.verification,
    topic: sourceFields.topic.optional(),
    channel: sourceFields.channel.optional(),
    dedupe: sourceFields.dedupe.optional(),
    forwardHeaders: sourceFields.forwardHeaders.optional(),
    rateLimit: sourceFields.rateLimit.optional(),
    active: sourceFields.active.default(true),
    secret: sourceFields.secret.optional(),
  })
  .strict()
  .openapi("SourceCreate");
export type SourceCreate = z.infer<typeof SourceCreate>;

/** PUT is a partial update; `secret` replaces the secrets at once (rotate-secret keeps a grace period). */
export const SourceUpdate = z
  .object({
    name: sourceFields.name.optional(),
    description: sourceFields.description.optional(),
    verification: sourceFields.verification.optional(),
    topic: sourceFields.topic.optional(),
    channel: sourceFields.channel.optional(),
    dedupe: sourceFields.dedupe.optional(),
    forwardHeaders: sourceFields.forwardHeaders.optional(),
    rateLimit: sourceFields.rateLimit.optional(),
    active: sourceFields.active.optional(),
    secret: sourceFields.secret.optional(),
  })
  .strict()
  .refine((u) => Object.keys(u).length > 0, "send at least one field to change")
  .openapi("SourceUpdate");
export type SourceUpdate = z.infer<typeof SourceUpdate>;

export const MAX_GRACE_SECONDS = 30 * 86_400;
export const DEFAULT_GRACE_SECONDS = 86_400;

export const RotateSecret = z
  .object({
    secret: Secret.optional(),
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_SECONDS)
      .default(DEFAULT_GRACE_SECONDS)
      .openapi({ description: "How long the previous secret(s) keep verifying, in seconds (default 24 h; 0 drops them now)" }),
  })
  .strict()
  .openapi("SourceRotateSecret");

/** The stored source, as the store returns it (secrets stay sealed until needed). */
export interface Source {
  id: string;
  accountId: string;
  name: string;
  description: string | null;
  verification: VerificationConfig;
  sealedSecrets: string | null;
  topic: RuleSetting;
  channel: RuleSetting;
  dedupe: RuleSetting;
  forwardHeaders: string[] | null;
  rateLimit: { perSecond: number } | null;
  active: boolean;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

/**
 * Who supplies a scheme's secret. Provider schemes verify with the provider's secret, so it must be
 * given; for the others hookrelay can mint one for the user to paste into the sender.
 */
export const SECRET_SOURCE: Readonly<Record<VerificationType, "provided" | "generated" | "none">> = {
  "standard-webhooks": "generated",
  basic: "generated",
  "api-key": "generated",
  stripe: "provided",
  github: "provided",
  shopify: "provided",
  slack: "provided",
  hmac: "provided",
  vobiz: "provided",
  "whatsapp-api": "provided",
  none: "none",
};

const FieldRuleOut = z
  .union([z.object({ path: z.string() }), z.object({ header: z.string() }), z.object({ value: z.string() })])
  .openapi("SourceFieldRule");

export const ResolvedRules = z
  .object({
    topic: z.array(FieldRuleOut),
    fallbackTopic: z.string().openapi({ description: "Used when no topic rule yields a value" }),
    channel: z.array(FieldRuleOut),
    dedupe: z.array(FieldRuleOut),
  })
  .openapi("SourceResolvedRules", { description: "The rules in effect, with the provider's defaults filled in" });
export type ResolvedRules = { topic: FieldRule[]; fallbackTopic: string; channel: FieldRule[]; dedupe: FieldRule[] };

const RuleSettingOut = z.union([z.record(z.string(), z.string()), z.array(z.record(z.string(), z.string()))]).nullable();

export const SourceOut = z
  .object({
    id: z.string().openapi({ example: "src_0mh2k3x9a4Hq8ZyXw2PpLm5TbV7cN1dRf" }),
    name: z.string(),
    description: z.string().nullable(),
    verification: VerificationConfig,
    topic: RuleSettingOut,
    channel: RuleSettingOut,
    dedupe: RuleSettingOut,
    resolvedRules: ResolvedRules,
    forwardHeaders: z.array(z.string()).nullable(),
    rateLimit: z.object({ perSecond: z.number() }).nullable(),
    active: z.boolean(),
    ingestUrl: z.string().openapi({ description: "The URL to give the provider; the id in it is the capability, keep it private", example: "https://hooks.example.com/in/src_0mh2k3x9a4Hq8ZyXw2PpLm5TbV7cN1dRf" }),
    createdAt: z.string(),
    updatedAt: z.string(),
    deletedAt: z.string().nullable(),
    secret: z.string().optional().openapi({ description: "Only on create, when a PUT generates one, on rotate-secret and from GET /{id}/secret" }),
  })
  .openapi("Source");

export const SourceSecretOut = z
  .object({
    secret: z.string().nullable().openapi({ description: "The current secret; null for verification none" }),
    previous: z.array(z.object({ expiresAt: z.string() })).openapi({ description: "Rotated-out secrets still accepted, and until when" }),
  })
  .openapi("SourceSecret");
