import { describe, expect, it } from "vitest";
import {
  CREDENTIALS,
  HeaderName,
  HeaderToken,
  HeaderValue,
  INBOUND_HOP,
  inGroup,
  isSetByHookrelay,
  isUnforwardable,
  SET_BY_HOOKRELAY,
  type HeaderGroup,
} from "../../src/domain/headers";

/** Every listed name, plus a name under each prefix, in the case it is written in the group. */
const members = (g: HeaderGroup) => [...g.names, ...g.prefixes.map((p) => `${p}anything`)];

describe("header groups", () => {
  it("set by hookrelay: every name hookrelay writes on a delivery", () => {
    for (const name of ["host", "content-length", "content-type", "transfer-encoding", "connection", "user-agent", "x-webhook-topic", "x-webhook-attempt", "webhook-id", "webhook-signature", "webhook-timestamp", "svix-id", "svix-signature", "x-hookrelay-anything"]) {
      expect(isSetByHookrelay(name), name).toBe(true);
      expect(isUnforwardable(name), name).toBe(true);
    }
  });

  it("inbound hop: unforwardable, but a webhook may set them on its own deliveries", () => {
    for (const name of ["keep-alive", "upgrade", "te", "trailer", "expect", "content-encoding", "cf-connecting-ip", "cf-ray", "x-forwarded-for", "x-forwarded-proto", "forwarded"]) {
      expect(inGroup(INBOUND_HOP, name), name).toBe(true);
      expect(isUnforwardable(name), name).toBe(true);
      expect(isSetByHookrelay(name), name).toBe(false);
    }
  });

  it("credentials: unforwardable, while a webhook's own Authorization (a receiver's bearer token) stays allowed", () => {
    for (const name of ["authorization", "proxy-authorization", "cookie"]) {
      expect(inGroup(CREDENTIALS, name), name).toBe(true);
      expect(isUnforwardable(name), name).toBe(true);
      expect(isSetByHookrelay(name), name).toBe(false);
    }
  });

  it("isUnforwardable is exactly the union of the three groups", () => {
    for (const g of [SET_BY_HOOKRELAY, INBOUND_HOP, CREDENTIALS]) for (const name of members(g)) expect(isUnforwardable(name), name).toBe(true);
    for (const name of members(SET_BY_HOOKRELAY)) expect(isSetByHookrelay(name), name).toBe(true);
  });

  it("groups are written lowercase, so a listed name can match at all", () => {
    for (const g of [SET_BY_HOOKRELAY, INBOUND_HOP, CREDENTIALS]) for (const name of [...g.names, ...g.prefixes]) expect(name).toBe(name.toLowerCase());
  });

  it("ignores case, as HTTP does", () => {
    for (const name of ["Host", "CONTENT-TYPE", "Webhook-Signature", "X-Webhook-Attempt", "SVIX-ID", "X-HookRelay-Trace"]) expect(isSetByHookrelay(name), name).toBe(true);
    for (const name of ["Authorization", "COOKIE", "X-Forwarded-For", "CF-Ray", "Content-Encoding"]) expect(isUnforwardable(name), name).toBe(true);
  });

  it("a prefix matches itself and what follows its hyphen, never a longer word sharing its letters", () => {
    expect(isSetByHookrelay("webhook-")).toBe(true);
    expect(isUnforwardable("x-forwarded-")).toBe(true);
    for (const name of ["webhooks-x", "webhook", "svixid", "x-hookrelay", "x-hookrelayer-id", "xwebhook-id"]) expect(isSetByHookrelay(name), name).toBe(false);
    for (const name of ["x-forwarded", "x-forwardedfor", "cfx-id", "cf", "cookies", "authorization2"]) expect(isUnforwardable(name), name).toBe(false);
  });

  it("exact names match only in full", () => {
    for (const name of ["x-webhook-topics", "x-webhook-attempts", "hostname", "content-type-options", "te2"]) {
      expect(isUnforwardable(name), name).toBe(false);
    }
  });

  it("leaves providers' own headers alone", () => {
    for (const name of ["x-github-event", "x-github-delivery", "x-shopify-topic", "stripe-signature", "x-tenant", "x-request-id"]) {
      expect(isUnforwardable(name), name).toBe(false);
      expect(isSetByHookrelay(name), name).toBe(false);
    }
  });
});

describe("header name and value schemas", () => {
  it("accepts RFC 9110 token names and refuses anything else", () => {
    for (const name of ["X-Tenant", "x_custom", "A1!#$%&'*+.^_`|~-"]) expect(HeaderName.safeParse(name).success, name).toBe(true);
    for (const name of ["X Tenant", "X-Tenant:", "X-Ténant", "x(y)", "a\u0000b", ""]) {
      const parsed = HeaderName.safeParse(name);
      expect(parsed.success, name).toBe(false);
      expect(parsed.error?.issues.map((i) => i.message), name).toContain("must be an HTTP header name");
    }
  });

  it("bounds a setting's header name to 100 characters; a header map key carries no bound", () => {
    expect(HeaderName.safeParse("x".repeat(100)).success).toBe(true);
    expect(HeaderName.safeParse("x".repeat(101)).success).toBe(false);
    expect(HeaderToken.safeParse("x".repeat(101)).success).toBe(true);
    expect(HeaderToken.safeParse("x y").success).toBe(false);
  });

  it("refuses CR, LF and NUL in a value and keeps other text", () => {
    for (const value of ["Bearer abc", "", "a: b; c=\"d\"", "tab\tis fine", "ünïcode"]) expect(HeaderValue.safeParse(value).success, value).toBe(true);
    for (const value of ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\u0000b"]) {
      const parsed = HeaderValue.safeParse(value);
      expect(parsed.success, JSON.stringify(value)).toBe(false);
      expect(parsed.error?.issues[0]?.message).toBe("must not contain CR, LF or NUL");
    }
  });
});
