import { describe, expect, it } from "vitest";
import { Secret } from "../core/secret.ts";
import { bitbucketServerConfig, gatewayConfigWithServers } from "../../test/support/bitbucket-server-config.ts";
import { routeAdmits } from "./route-admits.ts";

const config = gatewayConfigWithServers(
  bitbucketServerConfig({ name: "Signed", prefix: "", webhookSecrets: [new Secret("s")] }),
  bitbucketServerConfig({ name: "Open", prefix: "/open" }),
  bitbucketServerConfig({ name: "OpenToo", prefix: "/open" }),
  bitbucketServerConfig({ name: "Other", prefix: "/other", webhookSecrets: [new Secret("t")] }),
);
const route = (server?: string) => ({ instance: "prod", discoveredAt: 1, ...(server === undefined ? {} : { server }) });

describe("routeAdmits (issue #11, finding 1)", () => {
  it("admits the server the route is bound to, and a route bound to none (written by an earlier version)", () => {
    expect(routeAdmits(config, route("Signed"), { server: "Signed", verified: true })).toBe(true);
    expect(routeAdmits(config, route(), { server: "Open", verified: false })).toBe(true);
  });

  it("refuses a UUID bound to a signed server on any other server's path, signed or not", () => {
    expect(routeAdmits(config, route("Signed"), { server: "Open", verified: false })).toBe(false);
    expect(routeAdmits(config, route("Signed"), { server: "Other", verified: true })).toBe(false);
  });

  it("admits a server sharing the bound server's path", () => {
    expect(routeAdmits(config, route("OpenToo"), { server: "Open", verified: false })).toBe(true);
  });

  it("admits a verified delivery on a route bound to an unsigned server, never an unverified one", () => {
    expect(routeAdmits(config, route("Open"), { server: "Signed", verified: true })).toBe(true);
    expect(routeAdmits(config, route("Open"), { server: "Signed", verified: false })).toBe(false);
  });

  it("admits a route whose server is no longer configured (renamed): the next accepted delivery binds it", () => {
    expect(routeAdmits(config, route("Renamed"), { server: "Open", verified: false })).toBe(true);
    expect(routeAdmits(config, route("toString"), { server: "Open", verified: false })).toBe(true);
  });
});
