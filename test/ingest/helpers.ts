import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { storedEvents } from "../support/events";
import { call } from "../support/http";

/** Shared helpers for the inbound relay tests (sources API and POST /in). */

const encoder = new TextEncoder();

async function hmac(secret: string, data: string | Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, typeof data === "string" ? encoder.encode(data) : data));
}

export async function hmacHex(secret: string, data: string | Uint8Array): Promise<string> {
  return [...(await hmac(secret, data))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function hmacBase64(secret: string, data: string | Uint8Array): Promise<string> {
  return btoa(String.fromCharCode(...(await hmac(secret, data))));
}

export interface Account {
  id: string;
  key: string;
}

/** Creates a source and fails the test on anything but 201. */
export async function createSource(acct: Account, body: Record<string, unknown>) {
  const res = await call("POST", "/api/sources", { key: acct.key, body });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; ingestUrl: string; secret?: string; [k: string]: unknown };
}

export interface InboundResult {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

/** POSTs raw bytes to /in/{id} with no API key, as a provider would. */
export async function postIn(sourceId: string, body: BodyInit | null, headers: Record<string, string> = {}): Promise<InboundResult> {
  const res = await exports.default.fetch(
    new Request(`http://hookrelay.test/in/${sourceId}`, { method: "POST", headers, body }),
  );
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export interface EventRow {
  id: string;
  account_id: string;
  topic: string;
  channel: string | null;
  source_id: string | null;
  dedupe_key: string | null;
  content_type: string;
  payload: string;
  headers: string | null;
}

/** The events a source stored, oldest first, read from its account's EventStore partitions. */
export async function eventsOf(sourceId: string): Promise<EventRow[]> {
  const source = await env.DB.prepare("SELECT account_id FROM sources WHERE id = ?").bind(sourceId).first<{ account_id: string }>();
  if (!source) return [];
  const events = await storedEvents(source.account_id, { sourceId });
  return events.reverse().map((e) => ({
    id: e.id, account_id: e.accountId, topic: e.topic, channel: e.channel, source_id: e.sourceId, dedupe_key: e.dedupeKey,
    content_type: e.contentType, payload: e.payload, headers: e.headers ? JSON.stringify(e.headers) : null,
  }));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
