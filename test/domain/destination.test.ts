import { describe, expect, it } from "vitest";
import { destinationProblem, isPrivateHost } from "../../src/domain/destination";

const prod = (url: string) => destinationProblem(url, false);
const dev = (url: string) => destinationProblem(url, true);

describe("destinationProblem in production (private destinations not allowed)", () => {
  it("accepts public https URLs", () => {
    for (const url of ["https://your-domain.com/webhooks/vambe", "https://hooks.example.com:8443/in?x=1", "https://8.8.8.8/hook", "https://[2606:4700:4700::1111]/hook"]) {
      expect(prod(url), url).toBeNull();
    }
  });

  it("requires https", () => {
    expect(prod("http://hooks.example.com/in")).toBe("must use https");
    expect(prod("ftp://hooks.example.com/in")).toBe("must use https");
    expect(prod("ws://hooks.example.com/in")).toBe("must use https");
  });

  it("refuses what is not an absolute URL", () => {
    for (const url of ["", "hooks.example.com/in", "/in", "https://", "https://exa mple.com"]) {
      expect(prod(url), url).toBe("must be an absolute URL");
    }
  });

  it("refuses credentials and fragments", () => {
    expect(prod("https://user:pass@hooks.example.com/in")).toMatch(/credentials/);
    expect(prod("https://token@hooks.example.com/in")).toMatch(/credentials/);
    expect(prod("https://:secret@hooks.example.com/in")).toMatch(/credentials/);
    expect(prod("https://hooks.example.com/in#x")).toMatch(/fragment/);
  });

  it.each([
    "https://localhost/", "https://LOCALHOST/", "https://localhost./", "https://api.localhost/",
    "https://127.0.0.1/", "https://127.255.255.254/", "https://0.0.0.0/", "https://0.1.2.3/",
    "https://10.0.0.1/", "https://10.255.255.255/",
    "https://172.16.0.1/", "https://172.20.1.1/", "https://172.31.255.255/",
    "https://192.168.0.1/", "https://192.0.0.8/",
    "https://169.254.169.254/latest/meta-data/", "https://169.254.0.1/",
    "https://100.64.0.1/", "https://100.127.255.255/",
    "https://198.18.0.1/", "https://198.19.255.255/",
    "https://224.0.0.1/", "https://255.255.255.255/",
    "https://[::1]/", "https://[::]/", "https://[0:0:0:0:0:0:0:1]/",
    "https://[fc00::1]/", "https://[fdff:1234::1]/", "https://[fe80::1]/", "https://[febf::1]/", "https://[ff02::1]/",
    "https://[::ffff:127.0.0.1]/", "https://[::ffff:10.1.2.3]/", "https://[::ffff:a9fe:a9fe]/",
    "https://metadata.google.internal/", "https://svc.internal/", "https://printer.local/", "https://metadata/", "https://router.home.arpa/",
    // The URL parser turns these spellings of loopback into 127.0.0.1 before the check runs.
    "https://2130706433/", "https://0x7f000001/", "https://0177.0.0.1/", "https://127.1/", "https://127.0.0.1./",
  ])("refuses the private or special address %s", (url) => {
    expect(prod(url)).toMatch(/loopback, private, link-local or metadata/);
  });

  it.each([
    "https://172.15.255.255/", "https://172.32.0.1/", "https://192.169.0.1/", "https://100.63.255.255/", "https://100.128.0.1/",
    "https://169.253.0.1/", "https://11.0.0.1/", "https://223.255.255.255/", "https://198.20.0.1/",
    "https://localhost.example.com/", "https://internal.example.com/", "https://mylocal/",
  ])("accepts the public neighbour %s", (url) => {
    expect(prod(url)).toBeNull();
  });
});

describe("destinationProblem in local development (private destinations allowed)", () => {
  it("accepts http and private hosts", () => {
    for (const url of ["http://localhost:8787/hook", "http://127.0.0.1:3000/", "https://10.0.0.1/", "http://[::1]:9000/", "http://169.254.169.254/"]) {
      expect(dev(url), url).toBeNull();
    }
  });

  it("still refuses other schemes, credentials and fragments", () => {
    expect(dev("ftp://localhost/")).toBe("must use http or https");
    expect(dev("file:///etc/passwd")).toBe("must use http or https");
    expect(dev("http://u:p@localhost/")).toMatch(/credentials/);
    expect(dev("http://localhost/#x")).toMatch(/fragment/);
  });
});

describe("isPrivateHost", () => {
  it("takes URL hostnames, with brackets for IPv6", () => {
    expect(isPrivateHost("[::1]")).toBe(true);
    expect(isPrivateHost("[2606:4700::1111]")).toBe(false);
    expect(isPrivateHost("192.168.1.1")).toBe(true);
    expect(isPrivateHost("example.com")).toBe(false);
  });

  it("normalises case and every trailing dot", () => {
    expect(isPrivateHost("LOCALHOST..")).toBe(true);
    expect(isPrivateHost("Printer.Local...")).toBe(true);
    expect(isPrivateHost("127.0.0.1..")).toBe(true);
  });

  it("does not mistake names with numeric labels for addresses", () => {
    expect(isPrivateHost("10.0.0.1.example.com")).toBe(false);
    expect(isPrivateHost("127.0.0.1.nip.io")).toBe(false);
  });
});

describe("one table of non-public ranges (IANA special-purpose registries)", () => {
  it.each([
    // IPv4 inside IPv6: mapped, translated (RFC 2765), compatible, NAT64 (both prefixes), 6to4.
    "https://[::ffff:0:127.0.0.1]/", "https://[::ffff:0:7f00:1]/", "https://[::127.0.0.1]/", "https://[::7f00:1]/", "https://[::a00:1]/",
    "https://[64:ff9b::a9fe:a9fe]/", "https://[64:ff9b::10.0.0.1]/", "https://[64:ff9b:1::8.8.8.8]/",
    "https://[2002:7f00:1::1]/", "https://[2002:c0a8:101::1]/", "https://[2002:a9fe:a9fe::]/",
    // Teredo, benchmarking and the rest of 2001::/23; documentation; discard-only; site-local; SRv6.
    "https://[2001::1]/", "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "https://[2001:2::1]/",
    "https://[2001:db8::1]/", "https://[3fff::1]/", "https://[100::1]/", "https://[fec0::1]/", "https://[5f00::1]/",
    // Outside global unicast 2000::/3.
    "https://[4000::1]/", "https://[::2]/",
    // IPv4 documentation, 6to4 relay, IETF assignments, every spelling of them.
    "https://192.0.2.1/", "https://198.51.100.7/", "https://203.0.113.9/", "https://192.88.99.1/", "https://192.0.0.170/",
    "https://0xc0.0.2.1/", "https://3221225985/", "https://0300.0.02.01/", "https://192.0.513/",
    // Trailing dots and case in names.
    "https://localhost../", "https://LocalHost.../", "https://api.LOCALHOST./", "https://box.localdomain/",
  ])("refuses %s", (url) => {
    expect(prod(url)).toMatch(/loopback, private, link-local or metadata/);
  });

  it.each([
    "https://[::ffff:8.8.8.8]/", "https://[64:ff9b::808:808]/", "https://[2002:808:808::1]/", "https://[2606:4700:4700::1111]/",
    "https://[2001:4860:4860::8888]/", "https://1.1.1.1/", "https://192.0.3.1/", "https://198.51.99.1/",
  ])("accepts the public address %s", (url) => {
    expect(prod(url)).toBeNull();
  });

  it("names the range it refused", () => {
    expect(prod("https://[64:ff9b::10.0.0.1]/")).toContain("64:ff9b::/96 carrying 10.0.0.1");
    expect(prod("https://192.0.2.1/")).toContain("192.0.2.0/24: documentation");
  });
});

describe("port policy: the Fetch standard's bad ports are refused, any other port is allowed", () => {
  it.each(["https://hooks.example.com:25/", "https://hooks.example.com:22/", "https://hooks.example.com:6667/", "https://hooks.example.com:10080/"])("refuses %s", (url) => {
    expect(prod(url)).toMatch(/port/);
  });

  it("leaves ports alone in local development", () => {
    expect(dev("http://127.0.0.1:1/closed")).toBeNull();
  });

  it.each(["https://hooks.example.com:8443/", "https://hooks.example.com:3000/", "https://hooks.example.com:443/", "https://hooks.example.com:65535/"])("accepts %s", (url) => {
    expect(prod(url)).toBeNull();
  });
});
