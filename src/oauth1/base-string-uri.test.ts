import { describe, expect, it } from "vitest";
import { baseStringUri } from "./base-string-uri.ts";

describe("baseStringUri (RFC 5849 §3.4.1.2)", () => {
  it.each([
    ["http://EXAMPLE.COM:80/r%20v/X?id=123", "http://example.com/r%20v/X"],
    ["https://www.example.net:8080/?q=1", "https://www.example.net:8080/"],
    [
      "HTTPS://Bitbucket.Example.com:443/rest/api/1.0/projects/~jdoe/repos",
      "https://bitbucket.example.com/rest/api/1.0/projects/~jdoe/repos",
    ],
    ["http://h:443/x", "http://h:443/x"],
    ["https://h:80/x", "https://h:80/x"],
    ["http://h:7990/bitbucket/rest#frag", "http://h:7990/bitbucket/rest"],
    ["https://h", "https://h/"],
    ["https://h?x=1", "https://h/"],
    ["http://127.0.0.1:8080/a%2Fb/c", "http://127.0.0.1:8080/a%2Fb/c"],
    ["http://[::1]:7990/p", "http://[::1]:7990/p"],
  ])("%s → %s", (input, expected) => {
    expect(baseStringUri(input)).toBe(expected);
  });

  it("uses the path as fetch sends it (WHATWG-escaped)", () => {
    expect(baseStringUri("https://h/projects/~jürgen/a b")).toBe("https://h/projects/~j%C3%BCrgen/a%20b");
  });
});
