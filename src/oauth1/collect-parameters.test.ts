import { describe, expect, it } from "vitest";
import { RFC_AUTHORIZATION, RFC_BODY, RFC_PARAMS, RFC_URL } from "../../test/support/rfc5849-vectors.ts";
import { collectParameters } from "./collect-parameters.ts";

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

describe("collectParameters (RFC 5849 §3.4.1.3.1)", () => {
  it("collects the RFC example: query, header without realm and signature, form body", () => {
    const params = collectParameters({
      url: RFC_URL,
      headers: { ...FORM, Authorization: RFC_AUTHORIZATION },
      body: RFC_BODY,
    });
    expect(params).toEqual(RFC_PARAMS);
  });

  it("decodes + in the query as a space and keeps repeated keys and empty values", () => {
    expect(collectParameters({ url: "https://h/p?q=a+b&q=a%20b&q=a%2Bb&e=&f" })).toEqual([
      ["q", "a b"],
      ["q", "a b"],
      ["q", "a+b"],
      ["e", ""],
      ["f", ""],
    ]);
  });

  it("signs a form body whatever the charset parameter or case of the media type", () => {
    const body = new TextEncoder().encode("x=%C3%A9&y=1+2");
    expect(
      collectParameters({ url: "https://h/", headers: { "content-type": "Application/X-WWW-Form-Urlencoded; charset=UTF-8" }, body }),
    ).toEqual([
      ["x", "é"],
      ["y", "1 2"],
    ]);
  });

  it("never signs JSON bodies, nor bodies without a Content-Type", () => {
    expect(collectParameters({ url: "https://h/?a=1", headers: { "Content-Type": "application/json" }, body: '{"b":"2"}' })).toEqual([
      ["a", "1"],
    ]);
    expect(collectParameters({ url: "https://h/?a=1", body: "b=2" })).toEqual([["a", "1"]]);
  });

  it("excludes oauth_signature wherever it comes from", () => {
    expect(collectParameters({ url: "https://h/?oauth_signature=x", headers: FORM, body: "oauth_signature=y&z=1" })).toEqual([["z", "1"]]);
  });
});
