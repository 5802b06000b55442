import { describe, expect, it } from "vitest";
import { isMetaTopic, matchesAnyTopic, META_TOPICS, TOPIC_NAME, TOPIC_PATTERN, topicMatches } from "../../src/domain/topics";

describe("topicMatches", () => {
  it("matches an exact name only to itself, case-sensitively", () => {
    expect(topicMatches("message.received", "message.received")).toBe(true);
    expect(topicMatches("message.received", "message.sent")).toBe(false);
    expect(topicMatches("message.received", "Message.Received")).toBe(false);
    expect(topicMatches("message.received", "message.received.extra")).toBe(false);
  });

  it("matches prefix.* to every topic under the prefix, at any depth", () => {
    expect(topicMatches("message.*", "message.received")).toBe(true);
    expect(topicMatches("message.*", "message.status.read")).toBe(true);
    expect(topicMatches("session.*", "session.qr_generated")).toBe(true);
  });

  it("does not match prefix.* to the bare prefix or to a longer word sharing its letters", () => {
    expect(topicMatches("message.*", "message")).toBe(false);
    expect(topicMatches("message.*", "messages.received")).toBe(false);
    expect(topicMatches("message.*", "message_created")).toBe(false);
    expect(topicMatches("ticket.*", "message.ticket.created")).toBe(false);
  });

  it("matches * to every platform topic, including underscore and colon names", () => {
    for (const topic of ["message.received", "conversation_typing_on", "billing:invoice/paid", "test"]) {
      expect(topicMatches("*", topic), topic).toBe(true);
    }
  });

  it("never matches the meta topics with *", () => {
    for (const topic of META_TOPICS) expect(topicMatches("*", topic), topic).toBe(false);
    expect(topicMatches("*", "webhook.anything")).toBe(false);
  });

  it("matches meta topics with patterns that name them", () => {
    expect(topicMatches("webhook.disabled", "webhook.disabled")).toBe(true);
    expect(topicMatches("webhook.*", "webhook.disabled")).toBe(true);
    expect(topicMatches("delivery.*", "delivery.exhausted")).toBe(true);
    expect(topicMatches("webhook.*", "delivery.exhausted")).toBe(false);
  });
});

describe("isMetaTopic", () => {
  it("is true for webhook.* and delivery.* names only", () => {
    expect(isMetaTopic("webhook.disabled")).toBe(true);
    expect(isMetaTopic("delivery.exhausted")).toBe(true);
    expect(isMetaTopic("webhooks.created")).toBe(false);
    expect(isMetaTopic("deliveryman.arrived")).toBe(false);
    expect(isMetaTopic("message.delivered")).toBe(false);
  });
});

describe("matchesAnyTopic", () => {
  it("is true when one pattern matches and false for an empty list", () => {
    expect(matchesAnyTopic(["ticket.created", "message.*"], "message.read")).toBe(true);
    expect(matchesAnyTopic(["ticket.created", "message.*"], "stage.changed")).toBe(false);
    expect(matchesAnyTopic([], "stage.changed")).toBe(false);
    expect(matchesAnyTopic(["*", "webhook.disabled"], "webhook.disabled")).toBe(true);
  });
});

describe("TOPIC_NAME and TOPIC_PATTERN", () => {
  it.each(["message.received", "conversation_status_changed", "session.qr_generated", "billing:invoice/paid", "a-b", "x"])(
    "accepts the name %s as a name and as a pattern",
    (name) => {
      expect(TOPIC_NAME.test(name)).toBe(true);
      expect(TOPIC_PATTERN.test(name)).toBe(true);
    },
  );

  it.each(["*", "message.*", "billing:invoice.*"])("accepts the pattern %s, which is not a name", (pattern) => {
    expect(TOPIC_PATTERN.test(pattern)).toBe(true);
    expect(TOPIC_NAME.test(pattern)).toBe(false);
  });

  it.each(["", " ", "message received", "message.", ".message", "message..received", "message.*.sent", "*.received", "message*", "message.**", "**", "mensaje.recibido.ñ"])(
    "refuses %j as a pattern",
    (pattern) => {
      expect(TOPIC_PATTERN.test(pattern)).toBe(false);
    },
  );
});
