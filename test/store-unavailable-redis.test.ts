import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signBody } from "./support/branch-deletion-harness.ts";
import { startRedisServer, type RedisServerHandle } from "./support/redis-server.ts";
import { freePort } from "./support/start-deno-gateway.ts";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { waitFor } from "./support/wait-for.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

/**
 * Finding 7 of issue #12 on the real Node process with a real redis-server:
 * a store that does not answer (SIGSTOP), that is gone (stopped), or that is
 * not there when the gateway starts never hangs a request. `/healthz` is 503
 * within 5 s (the default storeTimeout is 2 s); a webhook whose route and
 * server binding this process holds in memory, or whose signature verified,
 * is forwarded straight to CDS; any other webhook is 503, naming what could
 * not be read.
 */
const SECRET = "store-down-hook-secret";
/** The contract: `/healthz` answers within this while the store does not. */
const HEALTH_BOUND_MS = 5_000;
/** A bound for requests, far above storeTimeout: reaching it means a hang. */
const REQUEST_BOUND_MS = 15_000;

let n = 0;
const uuid = () => `d4e5f6a7-${String(++n).padStart(4, "0")}-4b8c-9d0e-1f2a3b4c5d6e`;

function redisConfig(redisUrl: string, alpha: StubCds, beta: StubCds): string {
  return writeConfig(
    gatewayToml({
      gateway: { store: redisUrl, forwardTimeout: "2s" },
      cds: { alpha: { hooksUrl: alpha.hooksUrl }, beta: { hooksUrl: beta.hooksUrl } },
      servers: {
        Open: { url: "https://open.example.com", bitbucket: { proxyWebhook: "https://gateway.example.com/" } },
        Signed: {
          url: "https://signed.example.com",
          bitbucket: { proxyWebhook: "https://gateway.example.com/signed", webhookSecret: [SECRET] },
        },
      },
    }),
  );
}

/** Two stub CDS instances (alpha owns `owned`) and `processes` gateways on `redisUrl`. */
interface Scene {
  alpha: StubCds;
  beta: StubCds;
  gateways: GatewayProcess[];
  stop(): Promise<void>;
}

async function startScene(redisUrl: string, owned: string[], processes = 1): Promise<Scene> {
  const alpha = await startStubCds({ owned });
  const beta = await startStubCds();
  const config = redisConfig(redisUrl, alpha, beta);
  const gateways = await Promise.all(Array.from({ length: processes }, () => startGateway(config)));
  return {
    alpha,
    beta,
    gateways,
    async stop() {
      await Promise.all(gateways.map((g) => g.stop()));
      await alpha.close();
      await beta.close();
    },
  };
}

async function health(gateway: GatewayProcess): Promise<number> {
  const res = await fetch(`${gateway.url}/healthz`, { signal: AbortSignal.timeout(HEALTH_BOUND_MS) });
  await res.body?.cancel();
  return res.status;
}

/** POSTs a push; `signed` puts it on the Signed server's path with a valid signature. */
async function post(gateway: GatewayProcess, id: string, options: { signed?: boolean; requestId?: string } = {}) {
  const body = JSON.stringify({ eventKey: "repo:refs_changed", id });
  const res = await fetch(`${gateway.url}${options.signed ? "/signed" : ""}/${id}`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-event-key": "repo:refs_changed",
      ...(options.signed ? { "x-hub-signature": signBody(body, SECRET) } : {}),
      ...(options.requestId ? { "x-request-id": options.requestId } : {}),
    },
    signal: AbortSignal.timeout(REQUEST_BOUND_MS),
  });
  return { status: res.status, answer: (await res.json()) as { status?: string; error?: string; message?: string } };
}

const got = (cds: StubCds, id: string) => cds.requests.filter((r) => r.url.endsWith(id)).length;

describe("a running gateway whose Redis stops answering (SIGSTOP), then answers again", () => {
  let redis: RedisServerHandle;
  let scene: Scene;
  let alpha: StubCds;
  let beta: StubCds;
  let gateway: GatewayProcess;
  const known = uuid();
  const boundToSigned = uuid();

  beforeAll(async () => {
    redis = await startRedisServer();
    scene = await startScene(redis.url, [known, boundToSigned]);
    ({ alpha, beta } = scene);
    gateway = scene.gateways[0]!;
    // Routes this process discovers, and so holds in memory.
    expect((await post(gateway, known)).status).toBe(200);
    expect((await post(gateway, boundToSigned, { signed: true })).status).toBe(200);
    redis.pause();
  }, 60_000);
  afterAll(async () => {
    await scene?.stop();
    await redis?.stop();
  });

  it("answers /healthz 503 within 5 s", async () => {
    expect(await health(gateway)).toBe(503);
  });

  it("forwards a webhook whose route it holds in memory, X-Request-Id and all", async () => {
    const before = got(alpha, known);
    const { status, answer } = await post(gateway, known, { requestId: "store-paused-1" });
    expect(status).toBe(200);
    expect(answer.status).toBe("forwarded");
    expect(got(alpha, known)).toBe(before + 1);
  });

  it("keeps the server binding it holds: an unsigned webhook on another server's path is 404, nothing forwarded", async () => {
    const before = got(alpha, boundToSigned);
    expect((await post(gateway, boundToSigned)).status).toBe(404);
    expect(got(alpha, boundToSigned)).toBe(before);
  });

  it("answers 503 naming the route for an unsigned webhook whose route it does not hold, and forwards nothing", async () => {
    const fresh = uuid();
    beta.owned.add(fresh);
    const { status, answer } = await post(gateway, fresh);
    expect(status).toBe(503);
    expect(answer.error).toBe("store_unavailable");
    expect(answer.message).toMatch(/route/);
    expect(got(alpha, fresh) + got(beta, fresh)).toBe(0);
  });

  it("forwards a webhook whose signature verified, finding its owner by asking every instance", async () => {
    const fresh = uuid();
    beta.owned.add(fresh);
    const { status } = await post(gateway, fresh, { signed: true });
    expect(status).toBe(200);
    expect(beta.requests.filter((r) => r.url.endsWith(fresh) && r.answered === 200)).toHaveLength(1);
  });

  it("answers 503 when CDS cannot take a webhook and the queue cannot be written", async () => {
    alpha.answer((req) => (req.url.endsWith(known) ? { status: 503, body: "{}" } : undefined));
    try {
      const { status, answer } = await post(gateway, known);
      expect(status).toBe(503);
      expect(answer.error).toBe("store_unavailable");
      expect(answer.message).toMatch(/queue/);
    } finally {
      alpha.answer(undefined);
    }
  });

  it("is healthy again once Redis answers", async () => {
    redis.resume();
    expect(await waitFor(async () => (await health(gateway)) === 200, 15_000, 200)).toBe(true);
  });
});

describe("a running gateway whose Redis is stopped, then started again", () => {
  let redis: RedisServerHandle;
  let scene: Scene;
  let gateway: GatewayProcess;
  const known = uuid();

  beforeAll(async () => {
    redis = await startRedisServer();
    scene = await startScene(redis.url, [known]);
    gateway = scene.gateways[0]!;
    expect((await post(gateway, known)).status).toBe(200);
    await redis.stop();
  }, 60_000);
  afterAll(async () => {
    await scene?.stop();
    await redis?.stop();
  });

  it("answers /healthz 503 within 5 s and forwards a webhook whose route it holds", async () => {
    expect(await health(gateway)).toBe(503);
    const before = got(scene.alpha, known);
    expect((await post(gateway, known, { requestId: "store-stopped-1" })).status).toBe(200);
    expect(got(scene.alpha, known)).toBe(before + 1);
  });

  it("is healthy again once Redis is back on its port", async () => {
    redis = await startRedisServer({ port: redis.port });
    expect(await waitFor(async () => (await health(gateway)) === 200, 15_000, 200)).toBe(true);
  });
});

describe("a gateway started while its Redis is down", () => {
  let redis: RedisServerHandle | undefined;
  let scene: Scene;
  let alpha: StubCds;
  let gateway: GatewayProcess;
  let port: number;
  const owned = uuid();

  beforeAll(async () => {
    port = await freePort();
    scene = await startScene(`redis://127.0.0.1:${port}/0`, [owned]);
    alpha = scene.alpha;
    gateway = scene.gateways[0]!;
  }, 60_000);
  afterAll(async () => {
    await scene?.stop();
    await redis?.stop();
  });

  it("listens, answers /healthz 503 within 5 s, and 503 to a webhook it cannot route", async () => {
    expect(await health(gateway)).toBe(503);
    const { status, answer } = await post(gateway, owned);
    expect(status).toBe(503);
    expect(answer.error).toBe("store_unavailable");
    expect(got(alpha, owned)).toBe(0);
  });

  it("works once Redis is there", async () => {
    redis = await startRedisServer({ port });
    expect(await waitFor(async () => (await health(gateway)) === 200, 15_000, 200)).toBe(true);
    expect((await post(gateway, owned)).status).toBe(200);
    expect(got(alpha, owned)).toBe(1);
  });
});

describe("two gateways on one Redis: a route changed by one is right in the other's memory", () => {
  let redis: RedisServerHandle;
  let scene: Scene;
  let alpha: StubCds;
  let beta: StubCds;
  let first: GatewayProcess;
  let second: GatewayProcess;

  beforeAll(async () => {
    redis = await startRedisServer();
    scene = await startScene(redis.url, [], 2);
    ({ alpha, beta } = scene);
    [first, second] = scene.gateways as [GatewayProcess, GatewayProcess];
  }, 60_000);
  afterAll(async () => {
    await scene?.stop();
    await redis?.stop();
  });

  /** The other process has read the change announced for `id` (it logs each one at debug level). */
  const heard = (gateway: GatewayProcess, id: string, times: number) =>
    waitFor(
      () =>
        gateway
          .output()
          .split("\n")
          .filter((l) => l.includes('"msg":"route changed in another process"') && l.includes(id)).length >= times,
      10_000,
    );

  it("a hook moved to another instance: the second process sends to the new owner at once", async () => {
    const id = uuid();
    alpha.owned.add(id);
    expect((await post(first, id)).status).toBe(200);
    expect((await post(second, id)).status).toBe(200);
    alpha.owned.delete(id);
    beta.owned.add(id);
    expect((await post(first, id)).status).toBe(200);
    expect(await heard(second, id, 1)).toBe(true);
    const alphaBefore = got(alpha, id);
    expect((await post(second, id)).status).toBe(200);
    expect(got(alpha, id)).toBe(alphaBefore);
    expect(beta.requests.filter((r) => r.url.endsWith(id) && r.answered === 200)).toHaveLength(2);
  });

  it("a route bound to a signed server by the first process refuses unsigned webhooks in the second", async () => {
    const id = uuid();
    alpha.owned.add(id);
    expect((await post(first, id)).status).toBe(200);
    expect((await post(second, id)).status).toBe(200);
    // A verified delivery takes the route over for the Signed server (issue #11).
    expect((await post(first, id, { signed: true })).status).toBe(200);
    expect(await heard(second, id, 1)).toBe(true);
    const before = got(alpha, id);
    expect((await post(second, id)).status).toBe(404);
    expect(got(alpha, id)).toBe(before);
  });
});
