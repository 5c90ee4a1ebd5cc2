import { describe, expect, it } from "vitest";
import { BitbucketError } from "../bitbucket/bitbucket-error.ts";
import { GatewayError } from "../core/gateway-error.ts";
import { bitbucketFailureResponse } from "./bitbucket-failure-response.ts";

describe("bitbucketFailureResponse", () => {
  it("passes Bitbucket's status and messages on as 502", async () => {
    const response = bitbucketFailureResponse(new BitbucketError(403, ["You are not permitted"], 'Bitbucket "B" answered 403'))!;
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error: "bitbucket_error",
      status: 403,
      messages: ["You are not permitted"],
      message: 'Bitbucket "B" answered 403',
    });
  });

  it.each([
    ["ERR_BITBUCKET_TIMEOUT", 504, "bitbucket_timeout"],
    ["ERR_BITBUCKET_UNREACHABLE", 502, "bitbucket_unreachable"],
    ["ERR_BITBUCKET_RESPONSE", 502, "bitbucket_bad_response"],
    ["ERR_BITBUCKET_NO_CREDENTIALS", 500, "bitbucket_not_configured"],
  ])("maps %s to %i %s", async (code, status, error) => {
    const response = bitbucketFailureResponse(new GatewayError(code, "what happened"))!;
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error, message: "what happened" });
  });

  it("leaves other errors to the caller", () => {
    expect(bitbucketFailureResponse(new Error("boom"))).toBeUndefined();
    expect(bitbucketFailureResponse(new GatewayError("ERR_STORE", "x"))).toBeUndefined();
  });
});
