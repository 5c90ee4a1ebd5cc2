import { describe, expect, it } from "vitest";
import type { CdsInstanceConfig } from "../core/config-types.ts";
import { pickCdsInstance } from "./pick-cds-instance.ts";

const instance = (name: string): CdsInstanceConfig => ({ name, hooksUrl: `https://${name}/cdshooks`, uiUrl: `https://${name}` });
const two = { prod: instance("prod"), staging: instance("staging") };
const nameOf = (picked: ReturnType<typeof pickCdsInstance>) => ("instance" in picked ? picked.instance.name : picked.error);

describe("pickCdsInstance", () => {
  it("takes ?cds= first", () => {
    expect(nameOf(pickCdsInstance(two, { requested: "staging", cdsName: "prod" }))).toBe("staging");
  });

  it("refuses an unknown ?cds=, even with a single instance", () => {
    expect(pickCdsInstance({ prod: instance("prod") }, { requested: "nope" })).toEqual({ error: "?cds= names no configured CDS instance" });
    expect(pickCdsInstance(two, { requested: "constructor" })).toHaveProperty("error");
  });

  it("then the event's cdsname", () => {
    expect(nameOf(pickCdsInstance(two, { cdsName: "prod" }))).toBe("prod");
  });

  it("then the only instance", () => {
    expect(nameOf(pickCdsInstance({ prod: instance("prod") }, { cdsName: "other" }))).toBe("prod");
    expect(nameOf(pickCdsInstance({ prod: instance("prod") }, {}))).toBe("prod");
  });

  it("refuses when it cannot tell", () => {
    expect(pickCdsInstance(two, { cdsName: "other" })).toHaveProperty("error");
    expect(pickCdsInstance(two, { cdsName: "toString" })).toHaveProperty("error");
    expect(pickCdsInstance({}, {})).toHaveProperty("error");
  });
});
