// Accounts and webhooks for a scenario: every scenario has its own account (so matching never sees
// another scenario's webhooks), and every bench webhook points at the receiver with its own secret.
import { randomBytes } from "node:crypto";
import { now } from "./stats.mjs";

export const whSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

/** A fresh account: its API key and id. */
export async function newAccount(ctx, name) {
  const r = await ctx.api("POST", "/api/accounts", { name: `bench ${name} ${ctx.run}` });
  return { key: r.apiKey.key, accountId: r.account.id };
}

/**
 * Creates `count` webhooks with `concurrency` requests in flight, webhook i at recv/h/<prefix><i>
 * subscribed to topicsFor(i) (and channelsFor(i) when given). With `budgetMs`, no creation starts
 * after that long: `created` says how many exist (webhooks 0 … created-1).
 */
export async function createWebhooks(ctx, key, prefix, count, topicsFor, { concurrency = 8, channelsFor = null, budgetMs = Infinity } = {}) {
  const secrets = {};
  let next = 0;
  let created = 0;
  const t = now();
  const worker = async () => {
    while (next < count && now() - t < budgetMs) {
      const i = next++;
      const secret = whSecret();
      await ctx.api("POST", "/api/webhooks", {
        url: `${ctx.recv}/h/${prefix}${i}`, topics: topicsFor(i), secret, ...(channelsFor ? { channels: channelsFor(i) } : {}),
        description: `bench ${prefix}${i}`,
        delivery: { retrySchedule: ctx.options.retrySchedule, ...(ctx.options.ordering ? { ordering: ctx.options.ordering } : {}) },
      }, key);
      secrets[`${prefix}${i}`] = secret;
      created += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { secrets, createMs: now() - t, created };
}
