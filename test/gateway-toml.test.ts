import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load-config.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

describe("gatewayToml, the tests' configuration builder (issue #15)", () => {
  it("writes a file the gateway loads as given: several CDS instances, several Bitbucket servers, settings", async () => {
    const text = gatewayToml({
      gateway: { apiTokens: ["t"], forwardTimeout: "2s", rateLimit: { requests: 5, window: "1m" } },
      cds: {
        prod: { hooksUrl: "http://127.0.0.1:9/cdshooks", apiUrl: "http://127.0.0.1:9/cdsapi", token: "env:CDS_TOKEN" },
        staging: { hooksUrl: "http://127.0.0.1:8/cdshooks" },
      },
      servers: {
        Bitbucket: { url: "https://bb.example.com", bitbucket: { proxyWebhook: "https://gw.example.com/bb", webhookSecret: ["s1", "s2"] } },
        Other: { url: "https://other.example.com", bitbucket: { status: { showDetail: false } } },
      },
    });
    const config = await loadConfig(text, { env: (name) => (name === "CDS_TOKEN" ? "consumer" : undefined) });
    expect(Object.keys(config.cds)).toEqual(["prod", "staging"]);
    expect(config.cds.prod?.apiUrl).toBe("http://127.0.0.1:9/cdsapi");
    expect(config.cds.prod?.token?.reveal()).toBe("consumer");
    expect(config.gateway.forwardTimeoutMs).toBe(2000);
    expect(config.gateway.rateLimit).toEqual({ requests: 5, windowMs: 60_000 });
    expect(config.servers.Bitbucket?.prefix).toBe("/bb");
    expect(config.servers.Bitbucket?.webhookSecrets.map((s) => s.reveal())).toEqual(["s1", "s2"]);
    expect(config.servers.Other?.status).toEqual({ disable: false, showDetail: false });
  });

  it("writes no table it was not given", () => {
    expect(gatewayToml({ cds: { prod: { hooksUrl: "http://h" } } })).toBe('[gateway.cds.prod]\nhooksUrl = "http://h"\n');
  });
});
