/**
 * The console's screenshots in docs/ (README.md, "Operate"), taken from the
 * real page with real data: the gateway's app (createGateway, served by the
 * Node adapter's server on loopback), two stub CDS instances and a stub
 * Bitbucket on loopback, Bitbucket's own webhook bodies
 * (test/fixtures/bitbucket/), and Debian's Chromium through playwright-core.
 * The gateway's clock is injected and runs through the last hour, so the
 * chart and the times show an hour of traffic taken in a few seconds:
 * webhooks forwarded, a duplicate, a bad signature, a hiccup of `prod`
 * retried and delivered, a webhook nobody knows becoming a dead letter, and
 * `staging` down behind its proxy for the last quarter of an hour.
 *
 * Run: `node --import tsx scripts/console-screenshots.ts`; then look at
 * docs/console*.png.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { startNodeServer } from "../src/adapters/node/start-node-server.ts";
import { loadConfig } from "../src/config/load-config.ts";
import { createGateway } from "../src/app/create-gateway.ts";
import { createMemoryStore } from "../src/store/memory-store.ts";
import { snakeCaseFailEvent } from "../test/support/cds-vcs-calls.ts";
import { startStubBitbucket } from "../test/support/stub-bitbucket.ts";
import { startStubCds } from "../test/support/stub-cds.ts";
import { chromiumPath } from "./test-requirements.ts";

const ROOT = resolve(import.meta.dirname, "..");
const FIXTURES = join(ROOT, "test/fixtures/bitbucket");
const TOKEN = "screenshot-admin-token";
const SECRET = "screenshot-hook-secret";
const MINUTE = 60_000;

/** A fixture with its repository renamed, so the log shows several repositories. */
function body(name: string, project: string, slug: string): string {
  const payload = JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));
  const repository = payload.repository ?? payload.pullRequest.toRef.repository;
  repository.project.key = project;
  repository.slug = slug;
  repository.name = slug;
  return JSON.stringify(payload);
}
const push = (project: string, slug: string) => body("refs-changed-update.json", project, slug);
const pr = (project: string, slug: string) => body("pr-opened.json", project, slug);
const uuid = (n: number) => `4b8e2f1a-6c3d-4e5f-9a7b-${String(n).padStart(12, "0")}`;

/** The webhooks of each instance: UUID and repository. */
const PROD = [
  [uuid(1), "PLAT", "api-gateway"],
  [uuid(2), "WEB", "storefront"],
  [uuid(3), "PLAT", "billing"],
] as const;
const STAGING = [
  [uuid(11), "DATA", "etl-jobs"],
  [uuid(12), "DATA", "warehouse"],
] as const;

async function main(): Promise<void> {
  const prod = await startStubCds({ owned: PROD.map(([u]) => u) });
  const staging = await startStubCds({ owned: STAGING.map(([u]) => u) });
  const bitbucket = await startStubBitbucket();
  bitbucket.setHandler("POST", /^\/rest\/build-status\/1\.0\/commits\//, { status: 204 });
  bitbucket.setHandler("GET", /\/pull-requests/, { json: { isLastPage: true, values: [] } });
  const end = Date.now();
  // The gateway's time runs as the real time does (so durations are real), moved by `setTime`.
  let offset = -59 * MINUTE;
  const clock = { now: () => Date.now() + offset };
  const setTime = (at: number) => (offset = at - Date.now());
  const later = (ms: number) => (offset += ms);
  const config = await loadConfig(
    `[gateway]
apiTokens = ["${TOKEN}"]
forwardTimeout = "1s"
[gateway.cds.prod]
hooksUrl = "${prod.hooksUrl}"
[gateway.cds.staging]
hooksUrl = "${staging.hooksUrl}"
[vcs.servers.bitbucket]
url = "${bitbucket.url}"
  [vcs.servers.bitbucket.bitbucket]
  proxyWebhook = "https://gateway.example.com/"
  webhookSecret = "${SECRET}"
  token = "bitbucket-http-access-token"
`,
    { env: () => undefined },
  );
  const gateway = createGateway({
    config,
    store: createMemoryStore({ clock }),
    fetch: (url, init) => fetch(url, init as RequestInit),
    clock,
  });
  const server = await startNodeServer(gateway.app, { port: 0, hostname: "127.0.0.1" });
  const url = `http://127.0.0.1:${server.port}`;

  let requestId = 0;
  const send = (u: string, text: string, event: string, headers: Record<string, string> = {}) =>
    gateway.app.request(`http://gateway.example.com/${u}`, {
      method: "POST",
      body: text,
      headers: {
        "content-type": "application/json; charset=UTF-8",
        "x-event-key": event,
        "x-request-id": `9e1c${String(++requestId).padStart(4, "0")}-5a2b-4c3d-8e4f-a1b2c3d4e5f6`,
        "user-agent": "Atlassian HttpClient 4.2.0 / Bitbucket-9.4.3 (9004003) / Default",
        "x-hub-signature": `sha256=${createHmac("sha256", SECRET).update(text).digest("hex")}`,
        ...headers,
      },
    });

  try {
    for (let minute = 0; minute < 59; minute++) {
      setTime(end - (59 - minute) * MINUTE + 7_000);
      // prod has a hiccup at minute 18: what comes then is queued and delivered by a retry.
      if (minute === 18) prod.answer(() => ({ status: 502, body: "{}" }));
      if (minute === 19) prod.answer(undefined);
      // staging goes down behind its proxy for the last quarter of an hour.
      if (minute === 44)
        staging.answer(() => ({
          status: 503,
          headers: { "content-type": "text/html", "retry-after": "300" },
          body: "<html><body>Service Unavailable</body></html>",
        }));
      const count = 1 + ((minute * 7) % 5);
      for (let i = 0; i < count; i++) {
        const [u, project, slug] = i % 3 === 2 ? STAGING[(minute + i) % STAGING.length]! : PROD[(minute + i) % PROD.length]!;
        await send(
          u,
          (minute + i) % 4 === 0 ? pr(project, slug) : push(project, slug),
          (minute + i) % 4 === 0 ? "pr:opened" : "repo:refs_changed",
        );
        later(3_000);
      }
      if (minute % 13 === 5) {
        // Bitbucket retrying a webhook it already sent, and a webhook with a stale secret.
        await send(PROD[0][0], push("PLAT", "api-gateway"), "repo:refs_changed", {
          "x-request-id": "9e1c0001-5a2b-4c3d-8e4f-a1b2c3d4e5f6",
        });
        await send(PROD[1][0], push("WEB", "storefront"), "repo:refs_changed", { "x-hub-signature": "sha256=00c0ffee" });
      }
      if (minute === 31) {
        // A repository whose CDS hook was deleted while CDS was unreachable: nobody knows it any more.
        prod.answer((req) => (req.url.includes(uuid(21)) ? { status: 502, body: "{}" } : undefined));
        await send(uuid(21), push("OPS", "ansible-roles"), "repo:refs_changed");
        prod.answer(undefined);
      }
      if (minute === 50) {
        // CDS reporting a failed run: build status and a pull-request lookup on Bitbucket.
        const answer = await gateway.app.request("http://gateway.example.com/vcs/bitbucket/status?cds=prod", {
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify(snakeCaseFailEvent("3f786850e387550fdab836ed7e6dc881de23001b")),
        });
        if (answer.status !== 200) throw new Error(`the status event was refused: ${answer.status} ${await answer.text()}`);
      }
      later(20_000);
      await gateway.runScheduledWork();
    }
    setTime(end);

    const browser = await chromium.launch({
      executablePath: chromiumPath(process.env),
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    });
    try {
      const desktop = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await desktop.goto(`${url}/-/`);
      await desktop.fill("#token", TOKEN);
      await desktop.click("#login button");
      await desktop.waitForSelector("#instances [data-instance='staging'][data-reachable='false']");
      await desktop.waitForSelector("#table tbody tr[data-status='queued']");
      await desktop.screenshot({ path: join(ROOT, "docs/console.png"), fullPage: true });

      const queued = (await (
        await fetch(`${url}/-/deliveries?status=queued&instance=staging`, { headers: { authorization: `Bearer ${TOKEN}` } })
      ).json()) as { deliveries: Array<{ id: string; event: string }> };
      const shown = queued.deliveries.find((d) => d.event === "pr:opened") ?? queued.deliveries[0]!;
      await desktop.goto(`${url}/-/#delivery=${shown.id}`);
      await desktop.waitForSelector("#detail:not([hidden]) #headers tr[data-header='x-hub-signature']");
      const box = (await desktop.locator("#detail").boundingBox())!;
      await desktop.screenshot({
        path: join(ROOT, "docs/console-delivery.png"),
        fullPage: true,
        clip: { x: 0, y: box.y - 8, width: 1280, height: Math.min(box.height + 16, 1250) },
      });

      const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      await phone.goto(`${url}/-/`);
      await phone.fill("#token", TOKEN);
      await phone.click("#login button");
      await phone.waitForSelector("#table tbody tr[data-status='queued']");
      await phone.screenshot({
        path: join(ROOT, "docs/console-phone.png"),
        fullPage: true,
        clip: { x: 0, y: 0, width: 390, height: 1700 },
      });
    } finally {
      await browser.close();
    }
  } finally {
    await server.close(1_000);
    await prod.close();
    await staging.close();
    await bitbucket.close();
  }
}

await main();
