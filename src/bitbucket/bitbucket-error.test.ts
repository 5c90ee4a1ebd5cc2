import { describe, expect, it } from "vitest";
import { GatewayError } from "../core/gateway-error.ts";
import { BitbucketError, bitbucketErrorFromResponse } from "./bitbucket-error.ts";

describe("bitbucketErrorFromResponse", () => {
  it("collects the messages of Bitbucket's error body", () => {
    const e = bitbucketErrorFromResponse(
      "bb",
      "POST /rest/x",
      400,
      JSON.stringify({
        errors: [{ context: "key", message: "Key too long", exceptionName: "X" }, { message: "Bad url" }, { context: null }],
      }),
    );
    expect(e).toBeInstanceOf(BitbucketError);
    expect(e).toBeInstanceOf(GatewayError);
    expect(e).toMatchObject({ code: "ERR_BITBUCKET_HTTP", status: 400, messages: ["Key too long", "Bad url"] });
    expect(e.message).toBe('Bitbucket "bb" answered 400 to POST /rest/x: Key too long; Bad url');
  });

  it("has no messages for bodies that are not Bitbucket errors", () => {
    for (const body of ["", "<html>oops</html>", "null", '{"errors":"x"}', "[1]"]) {
      const e = bitbucketErrorFromResponse("bb", "GET /y", 502, body);
      expect(e.messages).toEqual([]);
      expect(e.message).toBe('Bitbucket "bb" answered 502 to GET /y');
    }
  });
});
