/**
 * Which webhook URLs may be called. https only, and no loopback, private, link-local, CGNAT or
 * cloud-metadata hosts, unless ALLOW_PRIVATE_DESTINATIONS=true (local development).
 * Names that resolve to private addresses cannot be caught here (Workers has no DNS API); in
 * production the `global_fetch_strictly_public` flag closes that gap at fetch time.
 */
export type DestinationProblem = string | null;

const BLOCKED_NAMES = [/^localhost$/i, /\.localhost$/i, /\.local$/i, /\.internal$/i, /^metadata$/i, /\.home\.arpa$/i];

function ipv4Private(host: string): boolean {
  const parts = host.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return false;
  const [a, b] = parts as [number, number, number, number];
  return (
    a === 0 || a === 10 || a === 127 || a >= 224 ||          // this-network, private, loopback, multicast/reserved
    (a === 100 && b >= 64 && b <= 127) ||                     // carrier-grade NAT
    (a === 169 && b === 254) ||                               // link-local, incl. 169.254.169.254 metadata
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && parts[2] === 0) ||
    (a === 198 && (b === 18 || b === 19))                     // benchmarking
  );
}

function ipv6Private(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "::" || h === "::1") return true;
  const mapped = h.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped) return ipv4Private(mapped[1]!);
  if (/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(h)) return true; // mapped v4 in hex form: refuse outright
  return /^f[cd][0-9a-f]{2}:/.test(h) || /^fe[89ab][0-9a-f]:/.test(h) || /^ff[0-9a-f]{2}:/.test(h);
}

export function isPrivateHost(hostname: string): boolean {
  if (hostname.startsWith("[")) return ipv6Private(hostname);
  if (ipv4Private(hostname)) return true;
  return BLOCKED_NAMES.some((re) => re.test(hostname.replace(/\.$/, "")));
}

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
  if (!allowPrivate && isPrivateHost(url.hostname)) {
    return "points at a loopback, private, link-local or metadata address, which is not allowed";
  }
  return null;
}
