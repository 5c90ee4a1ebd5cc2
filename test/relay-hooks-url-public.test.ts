import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load-config.ts";
import { createApp } from "../src/app/create-gateway.ts";
import { createMemoryStore } from "../src/store/memory-store.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import type { Hono } from "hono";
import { type GatewaySection, gatewayToml, type ServerSection } from "./support/gateway-toml.ts";

const UUID = "5b0c9e2d-7a41-4f3e-8c6d-1e2f3a4b5c6d";
const URL_PUBLIC = "https://cds-gateway.example.com/public-hooks";

/**
 * The webhook URL CDS's hooks service gives a repository webhook: its
 * `urlPublic`, `/webhook/`, the UUID (engine/hooks, every version 0.40–0.53).
 * CDS 0.40–0.50 hand that URL to Bitbucket Server as it is.
 */
const hooksServiceUrl = (urlPublic: string, uuid: string) => `${urlPublic}/webhook/${uuid}`;

/**
 * What CDS 0.51+'s Bitbucket Server client makes of that URL when
 * `proxyWebhook` is set: `proxyWebhook` followed by the URL's last segment,
 * with its slash unless `proxyWebhook` ends with one.
 */
function proxiedUrl(proxyWebhook: string, hookUrl: string): string {
  const lastSlash = hookUrl.lastIndexOf("/") + (proxyWebhook.endsWith("/") ? 1 : 0);
  return proxyWebhook + hookUrl.slice(lastSlash);
}

/** docs/DEPLOY.md "CDS 0.40–0.50": hooks `urlPublic` pointed at the gateway instead of `proxyWebhook`. */
describe("relay: webhook URLs made from CDS's hooks urlPublic (CDS 0.40–0.50)", () => {
  let cds: StubCds;
  const apps = new Map<string, Hono>();

  beforeAll(async () => {
    cds = await startStubCds({ owned: [UUID] });
    const make = async (bitbucket: NonNullable<ServerSection["bitbucket"]>, gateway: GatewaySection = {}) => {
      const config = await loadConfig(
        gatewayToml({
          gateway,
          cds: { prod: { hooksUrl: cds.hooksUrl } },
          servers: { Bitbucket: { url: "https://bitbucket.example.com", bitbucket } },
        }),
        { env: () => undefined },
      );
      return createApp({ config, store: createMemoryStore(), fetch: (url, init) => fetch(url, init as RequestInit) });
    };
    apps.set("proxyWebhook", await make({ proxyWebhook: `${URL_PUBLIC}/webhook` }));
    apps.set("publicUrl", await make({}, { publicUrl: `${URL_PUBLIC}/webhook` }));
  });
  afterAll(() => cds?.close());

  // CDS 0.40–0.50: urlPublic is the gateway's. CDS 0.51+: urlPublic stays CDS's own, and
  // proxyWebhook = {gateway urlPublic}/webhook (with or without a trailing slash) gives the
  // same URL, so upgrading CDS changes no webhook.
  const made: Array<[string, string]> = [
    ["CDS 0.40–0.50, urlPublic", hooksServiceUrl(URL_PUBLIC, UUID)],
    ["CDS 0.51+, proxyWebhook", proxiedUrl(`${URL_PUBLIC}/webhook`, hooksServiceUrl("http://cds-hooks.internal:8083", UUID))],
    [
      "CDS 0.51+, proxyWebhook ending with /",
      proxiedUrl(`${URL_PUBLIC}/webhook/`, hooksServiceUrl("http://cds-hooks.internal:8083", UUID)),
    ],
  ];
  for (const via of ["proxyWebhook", "publicUrl"]) {
    it.each(made)(
      `forwards the URL %s makes (%s) when the gateway's server path is {urlPublic}/webhook (via ${via})`,
      async (_cds, target) => {
        expect(target).toBe(`${URL_PUBLIC}/webhook/${UUID}`);
        const res = await apps
          .get(via)!
          .request(target, { method: "POST", body: '{"eventKey":"repo:refs_changed"}', headers: { "x-event-key": "repo:refs_changed" } });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { status: string }).status).toBe("forwarded");
        expect(cds.requests.at(-1)!.url).toBe(`/cdshooks/webhook/${UUID}`);
        expect(cds.requests.at(-1)!.body.toString()).toBe('{"eventKey":"repo:refs_changed"}');
      },
    );
  }

  it("does not take the hooks service's URL under another path", async () => {
    const before = cds.requests.length;
    const res = await apps.get("proxyWebhook")!.request(`https://cds-gateway.example.com/webhook/${UUID}`, { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
    expect(cds.requests.length).toBe(before);
  });
});
