import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath } from "../scripts/test-requirements.ts";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { waitFor } from "./support/wait-for.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

const TOKEN = "operator-token-for-the-page";
const SECRET = "page-hook-secret";
const OWNED = "9d3b5f7a-1c2e-4a6b-8d0f-2e4a6c8e0b1d";
const LOST = "2c4e6a8b-0d1f-4a3b-9c5d-7e9f1a3b5c7d";
const CHROMIUM = chromiumPath(process.env);
const PUSH = readFileSync(join(import.meta.dirname, "fixtures/bitbucket/refs-changed-update.json"), "utf8"); // MYPROJECT/test-repo
const sign = (body: string) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

/** The operators' console in a real browser (Debian's Chromium driven by playwright-core), on the built gateway (issue #16). */
describe("the operators' console in Chromium", () => {
  let cds: StubCds;
  let gateway: GatewayProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    cds = await startStubCds({ owned: [OWNED] });
    const dir = mkdtempSync(join(tmpdir(), "cds-gw-page-"));
    gateway = await startGateway(
      writeConfig(
        gatewayToml({
          gateway: { store: `sqlite:${dir}/gateway.db`, apiTokens: [TOKEN], sweepInterval: "200ms", forwardTimeout: "1s" },
          cds: { prod: { hooksUrl: cds.hooksUrl } },
          servers: {
            bitbucket: {
              url: "https://bitbucket.example.com",
              bitbucket: { proxyWebhook: "http://gateway.example.com/", webhookSecret: SECRET },
            },
          },
        }),
        dir,
      ),
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await cds?.close();
  });

  const send = (uuid: string, body = PUSH) =>
    fetch(`${gateway.url}/${uuid}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-event-key": "repo:refs_changed", "x-hub-signature": sign(body) },
    });
  const api = async <T>(path: string) =>
    (await (await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as T;
  const listed = async (status: string) =>
    (await api<{ deliveries: Array<{ id: string; uuid: string }> }>(`/-/deliveries?status=${status}`)).deliveries;
  /** The page refreshes itself every 5 s; a click makes a check quicker, never required. */
  const refreshed = async (selector: string) => {
    await page.click("#refresh");
    await page.waitForSelector(selector, { timeout: 20_000 });
  };

  it("signs in with a token, under a strict CSP; a wrong token is refused", { timeout: 30_000 }, async () => {
    const res = await page.goto(`${gateway.url}/-/`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.fill("#token", "not-the-token");
    await page.click("#login button");
    await page.waitForSelector("#message:has-text('the token was refused')");
    expect(await page.isVisible("#login")).toBe(true);

    await page.fill("#token", TOKEN);
    await page.click("#login button");
    await page.waitForSelector("#instances [data-instance='prod']");
    // No webhook yet: nothing is known of prod.
    expect(await page.getAttribute("#instances [data-instance='prod']", "data-health")).toBe("idle");
  });

  it(
    "sees the instance go unreachable, the queued delivery's detail with its signature masked, and the instance come back",
    { timeout: 60_000 },
    async () => {
      expect((await send(OWNED)).status).toBe(200);
      await refreshed("#instances [data-instance='prod'][data-health='up']");
      await page.click("nav button[data-view='forwarded']");
      await page.waitForSelector("#table tr[data-status='forwarded'] td:has-text('Forwarded · direct')");
      expect(await page.textContent("#table")).toContain("prod");

      // CDS fails: the next webhook is queued and prod is unreachable.
      cds.answer(() => ({ status: 503, body: "{}", headers: { "retry-after": "4" } }));
      const queued = (await (await send(OWNED)).json()) as { delivery: string; status: string };
      expect(queued.status).toBe("queued");
      await page.click("nav button[data-view='queued']");
      await refreshed("#instances [data-instance='prod'][data-reachable='false']");
      expect(await page.textContent("#instances [data-instance='prod']")).toContain("Unreachable");
      expect(await page.textContent("#instances [data-instance='prod']")).toContain("answered 503 Service Unavailable");
      await page.waitForSelector(`#table tr[data-id='${queued.delivery}']`);
      const row = await page.textContent(`#table tr[data-id='${queued.delivery}']`);
      expect(row).toContain("MYPROJECT/test-repo");
      expect(row).toContain("repo:refs_changed");
      expect(row).toMatch(/in \d+ s|due now/);

      await page.click(`#table tr[data-id='${queued.delivery}'] a:has-text('Details')`);
      await page.waitForSelector("#detail:not([hidden]) #headers tr[data-header='x-hub-signature']");
      expect(await page.textContent("#headers tr[data-header='x-hub-signature']")).toContain("sha256=[masked]");
      expect(await page.textContent("#detail")).not.toContain(sign(PUSH).slice("sha256=".length));
      expect(await page.textContent("#detail-fields")).toContain("MYPROJECT/test-repo");
      expect(await page.textContent("#attempts")).toContain("answered 503");
      // The body as pretty JSON, with its size.
      expect(await page.textContent("#body")).toContain('"eventKey": "repo:refs_changed"');
      expect(await page.textContent("#body-size")).toContain(`${Buffer.byteLength(PUSH)} bytes`);
      expect(await page.isHidden("#list")).toBe(true);

      // CDS is back: the retry delivers, prod is reachable again, and the detail says so.
      cds.answer(undefined);
      await refreshed("#instances [data-instance='prod'][data-reachable='true']");
      await refreshed("#detail-fields .badge.delivered");
      expect(await page.textContent("#attempts")).toContain("taken: HTTP 200");
      await page.click("#back");
      await page.waitForSelector("#list:not([hidden])");
    },
  );

  it("replays a dead letter from its detail and sees it delivered", { timeout: 60_000 }, async () => {
    cds.answer(() => ({ status: 503, body: "{}" }));
    const { delivery } = (await (await send(LOST)).json()) as { delivery: string };
    cds.answer(undefined); // now answers 404: nobody knows the webhook → dead letter
    expect(await waitFor(async () => (await listed("dead")).some((d) => d.id === delivery), 20_000)).toBe(true);

    await page.click("nav button[data-view='dead']");
    await page.waitForSelector(`#table tr[data-id='${delivery}'][data-status='dead']`);
    expect(await page.textContent(`#table tr[data-id='${delivery}']`)).toContain("no instance knows this webhook");
    await page.click(`#table tr[data-id='${delivery}'] a:has-text('Details')`);
    await page.waitForSelector("#detail-fields .badge.dead");

    cds.owned.add(LOST);
    await page.click("#detail-actions button:has-text('Replay')");
    await page.waitForSelector("#message:has-text('Replay')");
    await refreshed("#detail-fields .badge.delivered");
    expect(await page.textContent("#attempts")).toContain("taken: HTTP 200");
    expect((await listed("delivered")).some((d) => d.id === delivery)).toBe(true);

    // The chart counted this process's outcomes.
    await page.waitForSelector("#legend li[data-kind='dead']:has-text('dead 1')");
    expect(await page.locator("#chart rect[data-kind]").count()).toBeGreaterThan(0);
    await page.click("#back");
    await page.click("nav button[data-view='routes']");
    await page.waitForSelector(`#table td:has-text('${LOST}')`);
    expect(await page.textContent("#table")).toContain("bitbucket");
  });

  it("shows what a payload says as text, never as markup", { timeout: 30_000 }, async () => {
    const forged = JSON.stringify({
      eventKey: "repo:refs_changed",
      repository: { slug: "<img src=x id=injected>", project: { key: "<b id=bold>P</b>" } },
    });
    cds.answer(() => ({ status: 503, body: "{}", headers: { "retry-after": "3600" } }));
    const { delivery } = (await (await send(OWNED, forged)).json()) as { delivery: string };
    await page.click("nav button[data-view='queued']");
    await refreshed(`#table tr[data-id='${delivery}']`);
    expect(await page.textContent(`#table tr[data-id='${delivery}']`)).toContain("<b id=bold>P</b>/<img src=x id=injected>");
    await page.click(`#table tr[data-id='${delivery}'] a:has-text('Details')`);
    await page.waitForSelector("#detail:not([hidden]) #body");
    expect(await page.locator("#injected, #bold").count()).toBe(0);
    cds.answer(undefined);
    await page.click("#back");
  });

  it(
    "shows an attempt whose answer is awaited past forwardTimeout, then the late answer among its attempts (issue #12)",
    { timeout: 40_000 },
    async () => {
      // CDS takes it, but answers long after forwardTimeout (1 s): Bitbucket gets 202 queued meanwhile.
      cds.answer(() => ({ status: 200, body: "{}", delayMs: 8_000 }));
      const { delivery, status } = (await (await send(OWNED)).json()) as { delivery: string; status: string };
      expect(status).toBe("queued");
      cds.answer(undefined);
      await page.click("nav button[data-view='queued']");
      await refreshed(`#table tr[data-id='${delivery}']`);
      await page.click(`#table tr[data-id='${delivery}'] a:has-text('Details')`);
      await page.waitForSelector("#detail:not([hidden]) #detail-fields [data-field='in-flight']");
      expect(await page.textContent("#detail-fields")).toContain("CDS's answer awaited");
      expect(await page.textContent("#attempts")).toContain("No attempt has ended yet.");
      await refreshed("#detail-fields .badge.delivered");
      expect(await page.textContent("#attempts")).toContain("taken: HTTP 200");
      expect(await page.isVisible("#detail-fields [data-field='in-flight']")).toBe(false);
      await page.click("#back");
    },
  );

  it("fits a phone: one column, table rows as cards, nothing wider than the screen", { timeout: 30_000 }, async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      await phone.goto(`${gateway.url}/-/`);
      await phone.fill("#token", TOKEN);
      await phone.click("#login button");
      await phone.click("nav button[data-view='delivered']");
      await phone.waitForSelector("#table tr[data-status='delivered']");
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(await phone.evaluate(() => getComputedStyle(document.querySelector("#table thead")!).display)).toBe("none");
      const label = await phone.evaluate(() => getComputedStyle(document.querySelector("#table tbody td")!, "::before").content);
      expect(label).toBe('"Received"');
      const [a, b] = await phone.evaluate(() =>
        [...document.querySelectorAll("#instances .card, #servers .card")].slice(0, 2).map((c) => c.getBoundingClientRect().left),
      );
      expect(a).toBe(b);
    } finally {
      await phone.close();
    }
  });

  it("serves the page shell without a token, but none of the data", async () => {
    expect((await fetch(`${gateway.url}/-/`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/-/admin.js`)).status).toBe(200);
    for (const path of [
      "/-/deliveries",
      "/-/deliveries?status=forwarded",
      "/-/routes",
      "/-/instances",
      "/-/activity",
      `/-/deliveries/${(await listed("delivered"))[0]!.id}`,
    ]) {
      expect((await fetch(`${gateway.url}${path}`)).status, path).toBe(401);
    }
  });
});
