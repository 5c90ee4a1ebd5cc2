import { describe, expect, it } from "vitest";
import { parseIpRange } from "./parse-ip-range.ts";

describe("parseIpRange", () => {
  it.each([
    ["10.0.0.0/8", "10.255.1.2", true],
    ["10.0.0.0/8", "11.0.0.0", false],
    ["192.0.2.1", "192.0.2.1", true],
    ["192.0.2.1", "192.0.2.2", false],
    ["192.0.2.1", "::ffff:192.0.2.1", true],
    ["::ffff:192.0.2.0/120", "192.0.2.77", true],
    ["::ffff:192.0.2.0/120", "192.0.3.1", false],
    ["172.16.0.0/12", "172.31.255.255", true],
    ["172.16.0.0/12", "172.32.0.0", false],
    ["0.0.0.0/0", "203.0.113.5", true],
    ["0.0.0.0/0", "2001:db8::1", false],
    ["::1", "::1", true],
    ["::1", "0:0:0:0:0:0:0:1", true],
    ["2001:db8::/32", "2001:DB8:ffff::1", true],
    ["2001:db8::/32", "2001:db9::1", false],
    ["fe80::/10", "fe80::1%eth0", true],
    ["fd00::/7", "fdff::1", true],
    ["fd00::/8", "fc00::1", false],
    ["2001:db8::1:0:0:1/128", "2001:db8:0:0:1::1", true],
    ["::ffff:0:0/96", "10.0.0.1", true],
    ["10.0.0.1", "not an address", false],
  ])("%s contains %s: %s", (range, address, expected) => {
    expect(parseIpRange(range)?.contains(address)).toBe(expected);
  });

  it.each([
    "",
    "10.0.0.0/33",
    "10.0.0/8",
    "256.0.0.1",
    "01.2.3.4",
    "10.0.0.1/",
    "10.0.0.1/a",
    "::1/129",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "12345::",
    "proxy.example.com",
    "1:2:3:4:5:6:7::8",
    "::ffff:10.0.0.0/95",
  ])("refuses %j", (text) => {
    expect(parseIpRange(text)).toBeUndefined();
  });
});
