import { DurableObject } from "cloudflare:workers";

/** Events, payloads and dedupe keys of one account, one UTC day, one shard (see partitions.ts). */
export class EventStore extends DurableObject<Env> {}
