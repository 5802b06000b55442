import { parsedPayload, webhookWants } from "../../domain/matching";
import { matchesAnyTopic } from "../../domain/topics";
import type { Webhook } from "../../domain/webhook";
import type { DeliveryJob } from "../messages";
import { deliverable } from "./config";

/**
 * The object's own check of each job the consumer hands it. The consumer matched the event against
 * its copy of the webhook, which may be a few seconds old; this check against the object's newest
 * config makes a pause, delete or topic/channel/filter change apply to the next job at once.
 */
/** Does this object's own (newest) config still want the job the consumer matched? */
export function jobWanted(config: Webhook, job: DeliveryJob): boolean {
  if (!job.match) return deliverable(config) && matchesAnyTopic(config.topics, job.topic);
  const m = job.match;
  return webhookWants(
    config,
    { topic: job.topic, channel: m.channel, sourceId: m.sourceId, excludeWebhookId: m.excludeWebhookId, payload: job.payload, contentType: job.contentType },
    { webhookIds: m.targeted ? [config.id] : undefined },
    parsedPayload(job),
  );
}
