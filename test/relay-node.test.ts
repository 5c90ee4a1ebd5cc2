import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createConnection } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { describeExpectContinueScenario } from "./support/expect-continue-scenario.ts";
import { waitFor } from "./support/wait-for.ts";
import { join } from "node:path";

const FIXTURES = join(import.meta.dirname, "fixtures/bitbucket");
const U1 = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";
const U2 = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d";
const U3 = "1c6b3f2e-8d4a-4f1e-b2c3-d4e5f6a7b8c9";
const U4 = "7d444840-9dc0-41f1-a8b1-3c1a2f0b5e6d";
const U5 = "2e8f6a1c-5d3b-4f7e-9a0c-8b6d4f2e0a1c";

/** Written out, not built (test/support/gateway-toml.ts): a file as CDS's own, with a section the gateway ignores. */
function config(a: StubCds, b: StubCds, dir: string) {
  return writeConfig(
    `
[gateway]
forwardTimeout = "2s"
lateAnswerWindow = "2s"
store = "sqlite:${dir}/gateway.db"

[gateway.cds.alpha]
hooksUrl = "${a.hooksUrl}"

[gateway.cds.beta]
hooksUrl = "${b.hooksUrl}"

[vcs.servers.Bitbucket]
url = "https://bitbucket.example.com"
  [vcs.servers.Bitbucket.bitbucket]
  proxyWebhook = "https://proxy.example.com/"

[vcs.servers.Other]
url = "https://other.example.com"
  [vcs.servers.Other.bitbucket]
  proxyWebhook = "https://proxy.example.com/bb"

[vcs.servers.Off]
url = "https://off.example.com"
  [vcs.servers.Off.bitbucket]
  proxyWebhook = "https://proxy.example.com/off"
  disableWebHooks = true

[api]
url = "a foreign CDS section that must be ignored"
`,
    dir,
  );
}

describe("webhook relay on the Node server with two CDS instances", () => {
  let alpha: StubCds;
  let beta: StubCds;
  let gateway: GatewayProcess;
  let configPath: string;
  const fixture = new Uint8Array(readFileSync(join(FIXTURES, "refs-changed-update.json")));

  beforeAll(async () => {
    alpha = await startStubCds({ owned: [U1] });
    beta = await startStubCds({ owned: [U2, U5] });
    configPath = config(alpha, beta, mkdtempSync(join(tmpdir(), "cds-gw-relay-")));
    gateway = await startGateway(configPath);
  });

  afterAll(async () => {
    await gateway?.stop();
    await alpha?.close();
    await beta?.close();
  });

  const post = (path: string, body: Uint8Array<ArrayBuffer> | string = fixture, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json; charset=utf-8",
        "x-event-key": "repo:refs_changed",
        "x-request-id": crypto.randomUUID(),
        "user-agent": "Atlassian HttpClient 4.2.0 / Bitbucket-9.5.2 (9005002) / Default",
        ...headers,
      },
    });

  it("answers /healthz", async () => {
    const res = await fetch(`${gateway.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("discovers the owner, forwards byte for byte with the preserved and added headers, and hides CDS's answer", async () => {
    const res = await post(`/${U1}?at=refs%2Fheads%2Fmain&x=a+b`, fixture, {
      "x-request-id": "a4a9f3a1-0000-4000-8000-000000000001",
      "x-hub-signature": "sha256=0000",
      authorization: "Basic Ym9iOnNlY3JldA==",
      "x-custom": "kept",
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Record<string, unknown>;
    expect(answer.status).toBe("forwarded");
    expect(typeof answer.delivery).toBe("string");
    expect(JSON.stringify(answer)).not.toContain("SCHEDULED");

    const got = alpha.requests.at(-1)!;
    expect(got.method).toBe("POST");
    expect(got.url).toBe(`/cdshooks/webhook/${U1}?at=refs%2Fheads%2Fmain&x=a+b`);
    expect(Buffer.compare(got.body, fixture)).toBe(0);
    expect(got.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(got.headers["x-event-key"]).toBe("repo:refs_changed");
    expect(got.headers["x-request-id"]).toBe("a4a9f3a1-0000-4000-8000-000000000001");
    expect(got.headers["x-hub-signature"]).toBe("sha256=0000");
    expect(got.headers["user-agent"]).toBe("Atlassian HttpClient 4.2.0 / Bitbucket-9.5.2 (9005002) / Default");
    expect(got.headers["x-custom"]).toBe("kept");
    expect(got.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(got.headers["x-forwarded-proto"]).toBe("http");
    expect(got.headers["x-forwarded-host"]).toBe(`127.0.0.1:${gateway.port}`);
    expect(got.headers.authorization).toBeUndefined();
    expect(got.headers["content-length"]).toBe(String(fixture.length));
    // Discovery offered it to beta too, which answered 404.
    expect(beta.requests.filter((r) => r.url.includes(U1))).toHaveLength(1);
  });

  it("uses the remembered route next time: only the owner is contacted", async () => {
    const betaBefore = beta.requests.length;
    const alphaBefore = alpha.requests.length;
    const res = await post(`/${U1}`);
    expect(res.status).toBe(200);
    expect(alpha.requests.length).toBe(alphaBefore + 1);
    expect(beta.requests.length).toBe(betaBefore);
  });

  it("forwards arbitrary bytes unchanged", async () => {
    const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 151 + 7) % 256);
    const res = await post(`/${U2}`, bytes, { "content-type": "application/octet-stream" });
    expect(res.status).toBe(200);
    expect(Buffer.compare(beta.requests.at(-1)!.body, Buffer.from(bytes))).toBe(0);
  });

  it("answers 404 when no instance knows the UUID", async () => {
    const res = await post(`/${U3}`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe("unknown_webhook");
  });

  it("drops a route whose owner answers 404 and discovers the new owner", async () => {
    alpha.owned.delete(U1);
    beta.owned.add(U1);
    const res = await post(`/${U1}`);
    expect(res.status).toBe(200);
    expect(beta.requests.at(-1)!.url).toBe(`/cdshooks/webhook/${U1}`);
    const alphaBefore = alpha.requests.length;
    expect((await post(`/${U1}`)).status).toBe(200);
    expect(alpha.requests.length).toBe(alphaBefore);
  });

  it("routes by prefix: /bb/<uuid> is the Other server, a disabled server's path answers 403", async () => {
    expect((await post(`/bb/${U5}`)).status).toBe(200);
    const before = alpha.requests.length + beta.requests.length;
    expect((await post(`/off/${U5}`)).status).toBe(403);
    expect((await post(`/bb/x/${U5}`)).status).toBe(404);
    // U2's webhooks came through the root path: another server's path is refused (issue #11).
    expect((await post(`/bb/${U2}`)).status).toBe(404);
    expect(alpha.requests.length + beta.requests.length).toBe(before);
  });

  it("acknowledges a repeated X-Request-Id without delivering it twice", async () => {
    const before = beta.requests.length;
    const first = await post(`/${U2}`, fixture, { "x-request-id": "repeat-me" });
    const second = await post(`/${U2}`, fixture, { "x-request-id": "repeat-me" });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(((await second.json()) as { status: string }).status).toBe("duplicate");
    expect(beta.requests.length).toBe(before + 1);
  });

  it("answers Bitbucket's Test connection itself", async () => {
    const before = alpha.requests.length + beta.requests.length;
    const res = await post(`/${U4}`, new Uint8Array(readFileSync(join(FIXTURES, "ping.json"))), { "x-event-key": "diagnostics:ping" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe("pong");
    expect(alpha.requests.length + beta.requests.length).toBe(before);
  });

  it("passes the owner's status through (a 4xx other than 404 is CDS's answer)", async () => {
    alpha.owned.add(U4);
    alpha.answer((req) => (req.url.includes(U4) ? { status: 405, body: "{}" } : undefined));
    const res = await post(`/${U4}`);
    alpha.answer(undefined);
    expect(res.status).toBe(405);
    expect(((await res.json()) as { status: string }).status).toBe("forwarded");
  });

  it("answers 202 queued at forwardTimeout, gives up on the attempt when lateAnswerWindow ends, and delivers it once CDS answers", async () => {
    const u = "0e3a52b1-6a43-4f3e-8f0e-5d7c2b1a9e01";
    alpha.owned.add(u);
    // Only the first attempt hangs: the retry may start before this test gets its 202.
    let hung = false;
    alpha.answer((req) => (req.url.includes(u) && !hung ? ((hung = true), "hang") : undefined));
    const res = await post(`/${u}`);
    expect(res.status).toBe(202);
    expect(((await res.json()) as { status: string }).status).toBe("queued");
    // The attempt is listened to until its window ends (2 s after the 202), then the retry (due within 1 s
    // of that) is fired by the in-process timer.
    expect(await waitFor(() => alpha.requests.filter((r) => r.url.includes(u)).length >= 2, 20_000), gateway.output().slice(-3000)).toBe(
      true,
    );
    alpha.answer(undefined);
    expect(Buffer.compare(alpha.requests.filter((r) => r.url.includes(u))[1]!.body, fixture)).toBe(0);
  });

  it("keeps routes across a restart (SQLite store)", async () => {
    await gateway.stop();
    gateway = await startGateway(configPath);
    const alphaBefore = alpha.requests.length;
    expect((await post(`/${U1}`)).status).toBe(200);
    expect(alpha.requests.length).toBe(alphaBefore);
  });

  it("finishes in-flight requests on SIGTERM, then stops accepting", async () => {
    const u = "5a0f4b7e-2c1d-4e8f-9a6b-3c2d1e0f9a8b";
    beta.owned.add(u);
    beta.answer((req) => (req.url.includes(u) ? { status: 200, body: "{}", delayMs: 700 } : undefined));
    const inFlight = post(`/${u}`);
    await new Promise((r) => setTimeout(r, 200));
    const exit = gateway.stop("SIGTERM");
    const res = await inFlight;
    beta.answer(undefined);
    expect(res.status).toBe(200);
    expect(await exit).toBe(0);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = createConnection(gateway.port, "127.0.0.1");
      socket.on("connect", () => {
        socket.destroy();
        resolve(false);
      });
      socket.on("error", () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});

describeExpectContinueScenario("Expect: 100-continue on the Node gateway (built bin), issue #12 finding 1", async (config) => {
  const gateway = await startGateway(writeConfig(config.replace("[gateway]\n", '[gateway]\nstore = "memory"\n')));
  return { url: gateway.url, stop: async () => void (await gateway.stop()) };
});
