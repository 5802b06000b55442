/**
 * IP literals and the one table of address ranges a webhook may not be sent to. The tables follow
 * the IANA IPv4 and IPv6 Special-Purpose Address Registries (entries that are not globally
 * reachable), plus multicast and the IPv6 space outside global unicast. Parsing follows the WHATWG
 * URL Standard's IPv4 parser, so every spelling a URL accepts (`0x7f.1`, `2130706433`, `0177.0.0.1`,
 * a trailing dot) is read as the address it names.
 */

export interface RangeHit {
  /** The range in CIDR form, e.g. `127.0.0.0/8`. */
  cidr: string;
  /** What it is, e.g. `loopback`. */
  name: string;
}

/** [CIDR, name]: IANA IPv4 special-purpose entries not globally reachable, and multicast. */
const IPV4_NON_PUBLIC: ReadonlyArray<readonly [string, string]> = [
  ["0.0.0.0/8", "this network"],
  ["10.0.0.0/8", "private use"],
  ["100.64.0.0/10", "shared address space (carrier-grade NAT)"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local (cloud metadata)"],
  ["172.16.0.0/12", "private use"],
  ["192.0.0.0/24", "IETF protocol assignments"],
  ["192.0.2.0/24", "documentation (TEST-NET-1)"],
  ["192.88.99.0/24", "6to4 relay anycast (deprecated)"],
  ["192.168.0.0/16", "private use"],
  ["198.18.0.0/15", "benchmarking"],
  ["198.51.100.0/24", "documentation (TEST-NET-2)"],
  ["203.0.113.0/24", "documentation (TEST-NET-3)"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"],
  ["255.255.255.255/32", "limited broadcast"],
];

/**
 * IANA IPv6 special-purpose entries not globally reachable. 2001::/23 is refused whole: it holds
 * Teredo (2001::/32, whose embedded addresses are obfuscated), benchmarking (2001:2::/48) and
 * ORCHID, none of which is a webhook endpoint. The forms that carry an IPv4 address (mapped,
 * translated, NAT64 64:ff9b::/96, 6to4) are judged by that address instead (see embeddedIpv4).
 */
const IPV6_NON_PUBLIC: ReadonlyArray<readonly [string, string]> = [
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  ["::/96", "IPv4-compatible (deprecated)"],
  ["64:ff9b:1::/48", "local-use IPv4/IPv6 translation"],
  ["100::/64", "discard-only"],
  ["100:0:0:1::/64", "dummy prefix"],
  ["2001::/23", "IETF protocol assignments (Teredo, benchmarking, ORCHID)"],
  ["2001:db8::/32", "documentation"],
  ["3fff::/20", "documentation"],
  ["5f00::/16", "segment routing (SRv6) SIDs"],
  ["fc00::/7", "unique local"],
  ["fe80::/10", "link-local"],
  ["fec0::/10", "site-local (deprecated)"],
  ["ff00::/8", "multicast"],
];

const V4_BITS = 32n;
const V6_BITS = 128n;

interface Range {
  base: bigint;
  prefix: bigint;
  hit: RangeHit;
}

function table(entries: ReadonlyArray<readonly [string, string]>, parse: (text: string) => bigint | null, bits: bigint): Range[] {
  return entries.map(([cidr, name]) => {
    const [address, prefix] = cidr.split("/") as [string, string];
    const base = parse(address);
    if (base === null) throw new Error(`bad range ${cidr}`);
    return { base: base >> (bits - BigInt(prefix)), prefix: BigInt(prefix), hit: { cidr, name } };
  });
}

const inRange = (value: bigint, r: Range, bits: bigint) => value >> (bits - r.prefix) === r.base;

/** A WHATWG URL IPv4 number: decimal, 0x… hex or 0… octal. */
function ipv4Number(part: string): bigint | null {
  if (part === "") return null;
  let digits = part;
  let radix = 10;
  if (/^0[xX]/.test(part)) {
    digits = part.slice(2);
    radix = 16;
    if (digits === "") return 0n;
  } else if (part.length > 1 && part.startsWith("0")) {
    digits = part.slice(1);
    radix = 8;
  }
  const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(digits) || digits.length > 20) return null;
  return BigInt(radix === 10 ? digits : `${radix === 16 ? "0x" : "0o"}${digits}`);
}

/** The address as a 32-bit number, or null when the text is not an IPv4 literal. */
export function parseIpv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const numbers = parts.map(ipv4Number);
  if (numbers.some((n) => n === null)) return null;
  const values = numbers as bigint[];
  const last = values.pop()!;
  if (values.some((n) => n > 255n)) return null;
  if (last >= 256n ** BigInt(5 - parts.length)) return null;
  return values.reduce((acc, n, i) => acc + (n << BigInt(8 * (3 - i))), last);
}

/** The address as a 128-bit number, or null when the text is not an IPv6 literal (no brackets). */
export function parseIpv6(text: string): bigint | null {
  let body = text.toLowerCase();
  const lastColon = body.lastIndexOf(":");
  if (lastColon < 0) return null;
  if (body.includes(".", lastColon)) {
    // An embedded dotted IPv4 tail (strict dotted decimal, as RFC 4291 writes it) becomes two groups.
    const v4 = body.slice(lastColon + 1);
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(v4) || v4.split(".").some((p) => Number(p) > 255)) return null;
    const n = parseIpv4(v4)!;
    body = `${body.slice(0, lastColon + 1)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  const explicit = head.length + rest.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return null;
  const zeros = halves.length === 2 ? 8 - explicit : 0;
  const all = [...head.map((g) => BigInt(`0x${g}`)), ...Array<bigint>(zeros).fill(0n), ...rest.map((g) => BigInt(`0x${g}`))];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

const V4_TABLE = table(IPV4_NON_PUBLIC, parseIpv4, V4_BITS);
const V6_TABLE = table(IPV6_NON_PUBLIC, parseIpv6, V6_BITS);

/** IPv6 forms that carry an IPv4 address, and where it sits. */
const EMBEDDING: ReadonlyArray<{ range: Range; name: string; extract: (v: bigint) => bigint }> = [
  { range: table([["::ffff:0:0/96", "IPv4-mapped"]], parseIpv6, V6_BITS)[0]!, name: "IPv4-mapped", extract: (v) => v & 0xffffffffn },
  { range: table([["::ffff:0:0:0/96", "IPv4-translated"]], parseIpv6, V6_BITS)[0]!, name: "IPv4-translated", extract: (v) => v & 0xffffffffn },
  { range: table([["64:ff9b::/96", "NAT64"]], parseIpv6, V6_BITS)[0]!, name: "NAT64", extract: (v) => v & 0xffffffffn },
  { range: table([["2002::/16", "6to4"]], parseIpv6, V6_BITS)[0]!, name: "6to4", extract: (v) => (v >> 80n) & 0xffffffffn },
];
const GLOBAL_UNICAST = table([["2000::/3", "global unicast"]], parseIpv6, V6_BITS)[0]!;

export function nonPublicIpv4(value: bigint): RangeHit | null {
  return V4_TABLE.find((r) => inRange(value, r, V4_BITS))?.hit ?? null;
}

const v4Text = (v: bigint) => [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join(".");

export function nonPublicIpv6(value: bigint): RangeHit | null {
  for (const e of EMBEDDING) {
    if (!inRange(value, e.range, V6_BITS)) continue;
    const v4 = e.extract(value);
    const inner = nonPublicIpv4(v4);
    return inner ? { cidr: `${e.range.hit.cidr} carrying ${v4Text(v4)}`, name: `${e.name} ${inner.name}` } : null;
  }
  const listed = V6_TABLE.find((r) => inRange(value, r, V6_BITS));
  if (listed) return listed.hit;
  return inRange(value, GLOBAL_UNICAST, V6_BITS) ? null : { cidr: "outside 2000::/3", name: "not global unicast" };
}
