import { describe, expect, it } from "vitest";
import { redactUrl } from "./redact-url.ts";

describe("redactUrl", () => {
  it.each([
    ["https://cds.example.com/cdshooks", "https://cds.example.com/cdshooks"],
    ["https://user:pass@cds.example.com/cdshooks", "https://[redacted]@cds.example.com/cdshooks"],
    ["https://token@cds.example.com", "https://[redacted]@cds.example.com"],
    ["redis://default:pa/ss@127.0.0.1:6379/0", "redis://[redacted]@127.0.0.1:6379/0"],
    ["redis://:p@ss:w/rd@redis:6379/2", "redis://[redacted]@redis:6379/2"],
    ["https://cds.example.com/x?mail=a@b.c#f@g", "https://cds.example.com/x?mail=a@b.c#f@g"],
    ["sqlite:./data/gateway.db", "sqlite:./data/gateway.db"],
    ["memory", "memory"],
  ])("%s → %s", (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});
