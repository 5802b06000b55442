import { DurableObject } from "cloudflare:workers";

/** The account-wide call index of one account, one UTC day, one shard (see partitions.ts). */
export class CallLog extends DurableObject<Env> {}
