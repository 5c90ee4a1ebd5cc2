import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath } from "../scripts/test-requirements.ts";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { waitFor } from "./support/wait-for.ts";

const TOKEN = "operator-token-for-the-page";
const UUID = "9d3b5f7a-1c2e-4a6b-8d0f-2e4a6c8e0b1d";
const CHROMIUM = chromiumPath(process.env);

/** The operators' page in a real browser (Debian's Chromium driven by playwright-core). */
describe("admin web page", () => {
  let cds: StubCds;
  let gateway: GatewayProcess;
  let browser: Browser;

  beforeAll(async () => {
    cds = await startStubCds();
    const dir = mkdtempSync(join(tmpdir(), "cds-gw-page-"));
    gateway = await startGateway(
      writeConfig(
        `[gateway]
store = "sqlite:${dir}/gateway.db"
apiTokens = ["${TOKEN}"]
sweepInterval = "200ms"
forwardTimeout = "1s"
[gateway.cds.prod]
hooksUrl = "${cds.hooksUrl}"
`,
        dir,
      ),
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await cds?.close();
  });

  const api = async (path: string) =>
    (await (await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { deliveries: Array<{ uuid: string }> };

  it("shows queued deliveries and dead letters, and replays one", { timeout: 60_000 }, async () => {
    // CDS fails: the webhook is queued; then nobody owns it: it becomes a dead letter.
    cds.answer(() => ({ status: 503 }));
    expect((await fetch(`${gateway.url}/${UUID}`, { method: "POST", body: '{"eventKey":"repo:refs_changed"}', headers: { "x-event-key": "repo:refs_changed" } })).status).toBe(202);

    const page = await browser.newPage();
    const res = await page.goto(`${gateway.url}/-/`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");

    await page.fill("#token", "not-the-token");
    await page.click("#login button");
    await page.waitForSelector("#message:has-text('the token was refused')");

    await page.fill("#token", TOKEN);
    await page.click("#login button");
    await page.waitForSelector(`#table td:has-text('${UUID}')`);
    expect(await page.textContent("#table")).toContain("HTTP 503");
    await page.click(`#table tr:has-text('${UUID}') button:has-text('Retry now')`);
    await page.waitForSelector("#message:has-text('Retry now')");
    await page.click("#retry-all");
    await page.waitForSelector("#message:has-text('due now')");

    cds.answer(undefined); // now answers 404: unknown webhook → dead letter
    expect(await waitFor(async () => (await api("/-/deliveries?status=dead")).deliveries.length === 1, 20_000)).toBe(true);
    await page.click("nav button[data-view='dead']");
    await page.waitForSelector(`#table:has(th:has-text('deadAt')) td:has-text('${UUID}')`);
    await page.screenshot({ path: join(tmpdir(), "cds-gateway-admin-page.png") });

    cds.owned.add(UUID);
    await page.click(`#table tr:has-text('${UUID}') button:has-text('Replay')`);
    await page.waitForSelector("#message:has-text('Replay')");
    expect(await waitFor(async () => (await api("/-/deliveries?status=delivered")).deliveries.some((d) => d.uuid === UUID), 20_000)).toBe(true);
    // Each view replaces the table when its data has come: wait for its own columns, not only for the UUID.
    await page.click("nav button[data-view='delivered']");
    await page.waitForSelector(`#table:has(th:has-text('deliveredAt')) td:has-text('${UUID}')`);
    await page.click("nav button[data-view='routes']");
    await page.waitForSelector(`#table:has(th:has-text('discoveredAt')) td:has-text('${UUID}')`);
    expect(await page.textContent("#table")).toContain("prod");
    // The server whose path the UUID's webhooks come through (issue #11); "default" without [vcs.servers].
    expect(await page.textContent("#table")).toContain("default");
  });

  it("serves the page shell without a token, but none of the data", async () => {
    expect((await fetch(`${gateway.url}/-/`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/-/admin.js`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/-/deliveries`)).status).toBe(401);
    expect((await fetch(`${gateway.url}/-/routes`)).status).toBe(401);
  });
});
