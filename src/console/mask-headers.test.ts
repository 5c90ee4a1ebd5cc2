import { describe, expect, it } from "vitest";
import { maskHeaders } from "./mask-headers.ts";

describe("maskHeaders", () => {
  it("masks X-Hub-Signature keeping its algorithm, and every credential keeping only its scheme", () => {
    const masked = maskHeaders({
      "x-hub-signature": "sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      authorization: "Bearer abc.def.ghi",
      "proxy-authorization": "Basic dXNlcjpwYXNz",
      cookie: "JSESSIONID=1234",
      "x-auth-token": "dDBrM24=",
      "x-api-key": "k3y",
      "x-my-secret": "s3cr3t",
      "x-request-id": "b7c1e0d2-0000-4000-8000-000000000001",
      "x-event-key": "repo:refs_changed",
      "content-type": "application/json; charset=utf-8",
    });
    expect(masked).toEqual({
      "x-hub-signature": "sha256=[masked]",
      authorization: "Bearer [masked]",
      "proxy-authorization": "Basic [masked]",
      cookie: "[masked]",
      "x-auth-token": "[masked]",
      "x-api-key": "[masked]",
      "x-my-secret": "[masked]",
      "x-request-id": "b7c1e0d2-0000-4000-8000-000000000001",
      "x-event-key": "repo:refs_changed",
      "content-type": "application/json; charset=utf-8",
    });
    expect(JSON.stringify(masked)).not.toMatch(/9f86d0|abc\.def|dXNlcj|JSESSIONID|1234|dDBrM24|k3y|s3cr3t/);
  });
});
