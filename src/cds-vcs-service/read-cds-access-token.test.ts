import { describe, expect, it } from "vitest";
import { readCdsAccessToken } from "./read-cds-access-token.ts";

describe("readCdsAccessToken", () => {
  it("decodes CDS's base64 X-CDS-ACCESS-TOKEN; absent or empty is no token", () => {
    expect(readCdsAccessToken(new Headers({ "x-cds-access-token": btoa("tok/en+1") }))).toEqual({ ok: true, token: "tok/en+1" });
    expect(readCdsAccessToken(new Headers())).toEqual({ ok: true, token: undefined });
    expect(readCdsAccessToken(new Headers({ "x-cds-access-token": "" }))).toEqual({ ok: true, token: undefined });
  });

  it("refuses a value that is not base64", () => {
    expect(readCdsAccessToken(new Headers({ "x-cds-access-token": "not base64!" }))).toEqual({
      ok: false,
      message: "X-CDS-ACCESS-TOKEN is not base64",
    });
  });
});
