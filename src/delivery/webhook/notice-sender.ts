import { acceptEvents, type IncomingEvent } from "../../accepting/accept";

/**
 * How a webhook's object publishes its meta-events (webhook.disabled, delivery.exhausted). The
 * object is given one instead of calling into the accepting path itself; the event ids are chosen
 * when the notice is recorded, so a send retried after a crash is deduped by the accepting path.
 */
export interface NoticeSender {
  send(accountId: string, events: IncomingEvent[]): Promise<void>;
}

export const acceptingSender = (env: Env): NoticeSender => ({
  async send(accountId, events) {
    await acceptEvents(env, accountId, events);
  },
});
