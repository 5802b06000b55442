import { inferSchema } from "./json-schema";
import type { Schema } from "@cfworker/json-schema";

/**
 * The built-in topic catalog: every topic documented by the platforms hookrelay follows (Vambe,
 * Vobiz, VowChat, the WhatsApp session API), with the example payload where their docs show one.
 * `systems` names the platforms that use the topic, since the same name (e.g. message.received)
 * carries different payloads on different platforms.
 *
 * Topics with examples also carry a JSON Schema inferred from them (see `schema` below): validated
 * on publish only when the account turns it on (validateBuiltInTopics), since a platform's real
 * payloads may hold more than its docs show.
 */
export interface CatalogTopic {
  name: string;
  description: string;
  systems: string[];
  example?: unknown;
  /** Other platforms' examples for the same name (the schema accepts any of them). */
  otherExamples?: unknown[];
  /** Dotted paths the docs call optional (not required by the inferred schema). */
  optional?: string[];
  /** Inferred from the examples when the module loads. */
  schema?: Schema;
}

const sessionId = "5bc99cea8975b95fe7077c64a3312145";

export const BUILT_IN_TOPICS: CatalogTopic[] = [
  {
    name: "message.received",
    description: "A customer sent an inbound message",
    systems: ["vambe", "vobiz", "whatsapp-api"],
    example: {
      aiContactId: "38f37371-aa05-477a-b6c1-d161417@ed8d",
      data: {
        fromNumber: "56998389641", message: "Ok", messageId: "0f475695-ec1b-4ca8-b03d-a1c8d066b999", messageType: "text",
        name: "Waita", stageId: "3abb9d28-141c-45ab-87f8-52919caf63a7", toNumber: "56961210530",
      },
      type: "message.received",
    },
    otherExamples: [
      {
        event: "message.received", sessionId, messageId: "msg_1234567890", timestamp: "2024-01-01T12:00:00.000Z", from: "1234567890", to: "me",
        type: "text", text: "Hello! How can I help you?", contact: { name: "John Doe", profilePicture: "https://example.com/avatar.jpg" },
      },
    ],
    // The WhatsApp session API's message.received: a contact block is not on every message.
    optional: ["contact"],
  },
  {
    name: "message.sent",
    description: "Your team or business sent an outbound message (error_details present when delivery failed)",
    systems: ["vambe", "vobiz", "whatsapp-api"],
    example: {
      aiContactId: "e8e08253-aa12-4f32-b4c9-b1fbd180c26b",
      data: {
        error_details: [{ code: 131026, error_data: { details: "..." }, message: "Message undeliverable", title: "Message undeliverable" }],
        fromNumber: "56961210530", message: "¡Listo Eduardo! ✨ Aquí tienes tu propuesta definitiva...",
        messageId: "467ae215-f27a-4c79-ac44-f46fd8a3b28d", messageType: "template", name: "Eduardo Mella Navarrete",
        status: "failed", toNumber: "56986874408",
      },
      type: "message.sent",
    },
    otherExamples: [
      { event: "message.sent", sessionId, messageId: "msg_0987654321", timestamp: "2024-01-01T12:01:00.000Z", from: "me", to: "1234567890", type: "text", text: "Thanks for contacting us!" },
    ],
    // Vambe's docs: "The error_details field in message.sent is optional".
    optional: ["data.error_details", "data.status"],
  },
  {
    name: "message.delivered",
    description: "A sent message reached the recipient's device",
    systems: ["vobiz", "whatsapp-api"],
    example: { event: "message.delivered", sessionId, messageId: "msg_0987654321", timestamp: "2024-01-01T12:01:05.000Z", to: "1234567890" },
  },
  {
    name: "message.read",
    description: "The recipient read a message (blue checkmarks)",
    systems: ["vobiz", "whatsapp-api"],
    example: { event: "message.read", sessionId, messageId: "msg_0987654321", timestamp: "2024-01-01T12:01:30.000Z", to: "1234567890" },
  },
  { name: "message.failed", description: "A message failed to send, with error details", systems: ["vobiz"] },
  {
    name: "ticket.created",
    description: "A support ticket was opened",
    systems: ["vambe"],
    example: {
      event: "ticket.created", timestamp: "2024-09-30T10:00:00.000Z",
      data: {
        ticket_id: "ticket-123", contact_id: "df980fc8-b6db-4820-bf22-2969482d106d", contact_name: "Maria Rodriguez",
        pipeline_id: "pipeline-456", stage_id: "stage-789", status: "OPEN",
      },
    },
  },
  { name: "ticket.updated", description: "A ticket's status or assignment changed", systems: ["vambe"] },
  { name: "ticket.closed", description: "A ticket was resolved or closed", systems: ["vambe"] },
  { name: "contact.created", description: "A new contact was added", systems: ["vambe"] },
  {
    name: "contact.updated",
    description: "Contact information was created or modified",
    systems: ["vambe", "vobiz", "whatsapp-api"],
    example: {
      event: "contact.updated", sessionId, timestamp: "2024-01-01T12:00:00.000Z", phoneNumber: "1234567890",
      contact: { name: "John Doe", profilePicture: "https://example.com/avatar.jpg", status: "Available" },
    },
  },
  {
    name: "stage.changed",
    description: "A contact moved to a different pipeline stage",
    systems: ["vambe"],
    example: {
      event: "stage.changed", timestamp: "2024-09-30T10:05:00.000Z",
      data: {
        contact_id: "df980fc8-b6db-4820-bf22-2969482d106d", previous_stage_id: "stage-789", new_stage_id: "stage-890",
        pipeline_id: "pipeline-456", changed_by: "agent-123",
      },
    },
  },
  { name: "campaign.completed", description: "A campaign finished sending all its messages", systems: ["vobiz"] },
  { name: "conversation_created", description: "A new conversation started", systems: ["vowchat"] },
  { name: "conversation_updated", description: "Conversation details changed", systems: ["vowchat"] },
  {
    name: "conversation_status_changed",
    description: "A conversation's status changed (open/resolved/pending)",
    systems: ["vowchat"],
    example: {
      event: "conversation_status_changed", id: 789, status: "resolved", changed_at: "2024-01-15 11:00:00 UTC",
      conversation: { id: 789, messages: [], contact: { id: 456, name: "John Doe" }, inbox: { id: 12, name: "Website Chat" } },
      account: { id: 11, name: "My Company" },
    },
  },
  {
    name: "message_created",
    description: "A new message was sent or received",
    systems: ["vowchat"],
    example: {
      event: "message_created", id: "123", content: "Hi, I need help with my order", created_at: "2024-01-15 10:30:00 UTC",
      message_type: "incoming", content_type: "text", content_attributes: {}, source_id: null,
      sender: { id: 456, name: "John Doe", email: "john@example.com" },
      conversation: { id: 789, inbox_id: 12, status: "open" }, account: { id: 11, name: "My Company" },
    },
  },
  { name: "message_updated", description: "A message was edited or updated", systems: ["vowchat"] },
  { name: "webwidget_triggered", description: "A customer opened the chat widget", systems: ["vowchat"] },
  { name: "conversation_typing_on", description: "Someone started typing", systems: ["vowchat"] },
  { name: "conversation_typing_off", description: "Someone stopped typing", systems: ["vowchat"] },
  {
    name: "session.connected",
    description: "A WhatsApp session connected",
    systems: ["whatsapp-api"],
    example: {
      event: "session.connected", sessionId, timestamp: "2024-01-01T10:00:00.000Z", phoneNumber: "+1234567890",
      deviceInfo: { model: "iPhone 15 Pro", version: "2.2408.10" },
    },
  },
  {
    name: "session.disconnected",
    description: "A WhatsApp session lost its connection",
    systems: ["whatsapp-api"],
    example: { event: "session.disconnected", sessionId, timestamp: "2024-01-01T15:00:00.000Z", reason: "connection_lost" },
  },
  {
    name: "session.qr_generated",
    description: "A QR code was generated for pairing",
    systems: ["whatsapp-api"],
    example: {
      event: "session.qr_generated", sessionId, timestamp: "2024-01-01T09:30:00.000Z",
      qrCode: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA...", expiresAt: "2024-01-01T09:31:30.000Z",
    },
  },
  {
    name: "test",
    description: "A test delivery sent by POST /api/webhooks/{id}/test or /api/webhooks/test",
    systems: ["whatsapp-api", "hookrelay"],
    example: { event: "test", timestamp: "2024-01-01T00:00:00.000Z", message: "This is a test webhook" },
  },
  {
    name: "webhook.disabled",
    description: "hookrelay disabled one of your webhooks (410 Gone, or no success for 24 h with retries exhausted). Only sent to webhooks that name this topic or webhook.*",
    systems: ["hookrelay"],
    example: { type: "webhook.disabled", data: { webhookId: "wh_0mh2k3x9aXbYcZ12", url: "https://example.com/hook", reason: "endpoint answered 410 Gone", disabledAt: "2026-01-01T00:00:00.000Z" } },
  },
  {
    name: "delivery.exhausted",
    description: "An event's delivery to a webhook failed on every attempt of its retry schedule. Only sent to webhooks that name this topic or delivery.*",
    systems: ["hookrelay"],
    example: { type: "delivery.exhausted", data: { webhookId: "wh_0mh2k3x9aXbYcZ12", eventId: "evt_0mh2k3x9aXbYcZ12", topic: "message.received", attempts: 8, lastError: "HTTP 500" } },
  },
];

for (const t of BUILT_IN_TOPICS) {
  if (t.example !== undefined) t.schema = inferSchema([t.example, ...(t.otherExamples ?? [])], t.optional);
}

export const BUILT_IN_TOPIC_NAMES = new Set(BUILT_IN_TOPICS.map((t) => t.name));
export const BUILT_IN_BY_NAME = new Map(BUILT_IN_TOPICS.map((t) => [t.name, t]));
