import { nonPublicIpv4, nonPublicIpv6, parseIpv4, parseIpv6, type RangeHit } from "./ip-ranges";
import type { FieldIssue } from "./errors";

/**
 * Which webhook URLs may be called. https only, no credentials or fragment, none of the Fetch
 * standard's blocked ports and (both unless ALLOW_PRIVATE_DESTINATIONS=true, for local development)
 * no host that names a non-public address: the host is normalised once (case, every trailing dot,
 * every IPv4 spelling, IPv4 inside IPv6) and checked against one table (ip-ranges.ts).
 *
 * The same rule runs when a webhook is created or changed and again before every attempt
 * (dispatch.ts), so turning the setting off stops webhooks made while it was on.
 * Names that resolve to private addresses cannot be caught here (Workers has no DNS API); in
 * production the `global_fetch_strictly_public` flag closes that gap at fetch time.
 */
export type DestinationProblem = string | null;

/** Reserved or conventionally internal names (RFC 6761 localhost, RFC 6762 .local, RFC 8375 home.arpa, .internal). */
const BLOCKED_NAMES = ["localhost", "metadata", "localhost.localdomain"];
const BLOCKED_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa", ".localdomain"];

/**
 * Port policy: any port except the Fetch standard's "bad ports" (https://fetch.spec.whatwg.org/#port-blocking),
 * the ones browsers refuse too. An HTTP POST to them (SMTP 25, SSH 22, IRC 6667, …) can smuggle
 * commands to a service that is not an HTTP endpoint; a receiver on any other port (8443, 3000)
 * is its owner's choice. Not applied with private destinations allowed: in development the
 * machine and its ports are the operator's own (tests call a closed port 1 on purpose).
 */
export const BLOCKED_PORTS: ReadonlySet<number> = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111,
  113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548,
  554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665,
  6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** A URL hostname in one form: lowercase, without trailing dots (`localhost..` is `localhost`). */
export function normaliseHost(hostname: string): string {
  let end = hostname.length;
  while (end > 0 && hostname[end - 1] === ".") end--;
  return hostname.slice(0, end).toLowerCase();
}

/** Why the host is not public, or null. Takes URL hostnames (IPv6 in brackets). */
export function nonPublicHost(hostname: string): RangeHit | null {
  const host = normaliseHost(hostname);
  if (host.startsWith("[") && host.endsWith("]")) {
    const v6 = parseIpv6(host.slice(1, -1));
    return v6 === null ? { cidr: host, name: "unparseable IPv6 literal" } : nonPublicIpv6(v6);
  }
  const v4 = parseIpv4(host);
  if (v4 !== null) return nonPublicIpv4(v4);
  if (host === "" || BLOCKED_NAMES.includes(host) || BLOCKED_SUFFIXES.some((s) => host.endsWith(s))) {
    return { cidr: host, name: "internal name" };
  }
  return null;
}

export const isPrivateHost = (hostname: string): boolean => nonPublicHost(hostname) !== null;

/** Returns why the URL may not be used, or null when it may. */
export function destinationProblem(raw: string, allowPrivate: boolean): DestinationProblem {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL";
  }
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
    return allowPrivate ? "must use http or https" : "must use https";
  }
  if (url.username || url.password) return "must not carry credentials; send them with `headers` instead";
  if (url.hash) return "must not have a #fragment";
  if (!allowPrivate && url.port !== "" && BLOCKED_PORTS.has(Number(url.port))) {
    return `uses port ${url.port}, which is blocked (the Fetch standard's bad ports: services that are not HTTP endpoints)`;
  }
  if (!allowPrivate) {
    const hit = nonPublicHost(url.hostname);
    if (hit) return `points at a loopback, private, link-local or metadata address, which is not allowed (${hit.cidr}: ${hit.name})`;
  }
  return null;
}

/** The field issue for a request's `url` (none when it may be used). */
export function destinationIssues(raw: string, allowPrivate: boolean, path = "body.url"): FieldIssue[] {
  const problem = destinationProblem(raw, allowPrivate);
  return problem ? [{ path, message: `url ${problem}`, code: "invalid_destination" }] : [];
}
