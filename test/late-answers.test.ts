import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { waitFor } from "./support/wait-for.ts";
import { type GatewaySection, gatewayToml } from "./support/gateway-toml.ts";

const TOKEN = "late-answers-admin-token";
/** CDS answers this much later than forwardTimeout (1 s). */
const SLOW_MS = 2_500;
/** A gateway on its own SQLite file in front of `cds` (instance `prod`), forwardTimeout 1 s, with `extra` [gateway] keys. */
function gatewayConfig(cds: StubCds, extra: GatewaySection = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "cds-gw-late-"));
  return writeConfig(
    gatewayToml({
      gateway: { store: `sqlite:${dir}/gateway.db`, forwardTimeout: "1s", sweepInterval: "200ms", apiTokens: [TOKEN], ...extra },
      cds: { prod: { hooksUrl: cds.hooksUrl } },
    }),
    dir,
  );
}

/** The repository the posted payloads name (the console's `repository`, issue #16). */
const REPOSITORY = { slug: "late-repo", project: { key: "LATE" } };

/** One attempt as the console's delivery detail shows it (issue #16). */
interface Attempt {
  at: number;
  ms: number;
  outcome: string;
  instance?: string;
  status?: number;
  error?: string;
}
interface Detail {
  status: string;
  attempts: number;
  receivedAt: number;
  repository?: string;
  instance?: string;
  responseStatus?: number;
  lastError?: string;
  inFlightSince?: number;
  inFlightUntil?: number;
  nextAttemptAt?: number;
  history: Attempt[];
}

/** How long copies are counted after the first one arrived: several backoff periods of the first retries. */
const WATCH_MS = 4_000;

/**
 * Issue #12, finding 2, on the real Node process: a CDS slower than
 * `forwardTimeout` got a copy per retry (the attempt was abandoned at
 * forwardTimeout while CDS went on with the webhook, and the retry sent it
 * again). An attempt whose request was sent is listened to after Bitbucket
 * got its 202, and no other attempt of that delivery starts meanwhile: CDS
 * gets one copy, and its late success ends the delivery.
 */
describe("a CDS slower than forwardTimeout (issue #12, finding 2), on the Node gateway", () => {
  let cds: StubCds;
  let gateway: GatewayProcess;
  let counter = 0;
  const nextUuid = () => `d4e5f6a7-0000-4b1c-8d2e-${String(++counter).padStart(12, "0")}`;
  /** UUID → how the owner answers it now. */
  const mode = new Map<string, "slow" | "down" | "up" | "slow-404" | "slow-503">();

  beforeAll(async () => {
    cds = await startStubCds();
    cds.answer((req) => {
      const m = mode.get(/\/webhook\/([^/?]+)/.exec(req.url)?.[1] ?? "");
      if (m === "down") return { status: 503, body: "maintenance" };
      if (m === "slow") return { status: 200, body: "{}", delayMs: SLOW_MS };
      if (m === "slow-404") return { status: 404, body: '{"message":"Unknown uuid"}', delayMs: SLOW_MS };
      if (m === "slow-503") return { status: 503, body: "maintenance", delayMs: SLOW_MS };
      return undefined;
    });
    gateway = await startGateway(gatewayConfig(cds));
  });
  afterAll(async () => {
    await gateway?.stop();
    await cds?.close();
  });

  const post = async (uuid: string) => {
    const res = await fetch(`${gateway.url}/${uuid}`, {
      method: "POST",
      body: JSON.stringify({ uuid, repository: REPOSITORY }),
      headers: { "content-type": "application/json", "x-event-key": "repo:refs_changed" },
    });
    return { status: res.status, answer: (await res.json()) as { delivery: string; status: string } };
  };
  const admin = (path: string, method = "GET") => fetch(`${gateway.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
  const record = async (id: string) => (await admin(`/-/deliveries/${id}`)).json() as Promise<Detail>;
  const copies = (uuid: string) => cds.requests.filter((r) => r.url.endsWith(`/webhook/${uuid}`));

  // These two run side by side: each counts the copies of its own webhook.
  it.concurrent(
    "a direct forward: 202 queued at forwardTimeout, the late 200 delivers it, and CDS gets one copy",
    { timeout: 30_000 },
    async () => {
      const uuid = nextUuid();
      cds.owned.add(uuid);
      mode.set(uuid, "slow");
      const { status, answer } = await post(uuid);
      expect(status).toBe(202);
      expect(answer.status).toBe("queued");
      // Bitbucket is answered at forwardTimeout, before CDS answers.
      expect(copies(uuid)[0]!.answered).toBeUndefined();
      await waitFor(async () => (await record(answer.delivery)).status === "delivered", 10_000, 100);
      await new Promise((r) => setTimeout(r, WATCH_MS));
      expect(copies(uuid).length, "copies CDS received").toBe(1);
      const delivered = await record(answer.delivery);
      expect(delivered).toMatchObject({
        status: "delivered",
        instance: "prod",
        responseStatus: 200,
        attempts: 1,
        repository: "LATE/late-repo",
      });
      // The late answer is the delivery's one attempt in the console (issue #16): from the webhook's arrival to CDS's answer.
      expect(delivered.history).toEqual([
        { at: delivered.receivedAt, ms: expect.any(Number), outcome: "accepted", instance: "prod", status: 200 },
      ]);
      expect(delivered.history[0]!.ms).toBeGreaterThanOrEqual(SLOW_MS);
      // Stored with its repository, the in-flight record of a direct forward is listed by it.
      const listed = (await (await admin("/-/deliveries?status=delivered&repository=late/late-repo")).json()) as {
        deliveries: Array<{ id: string }>;
      };
      expect(listed.deliveries.map((d) => d.id)).toContain(answer.delivery);
    },
  );

  it.concurrent(
    "a queued retry: CDS back but slow gets the webhook once, and the late 200 ends the delivery",
    { timeout: 30_000 },
    async () => {
      const uuid = nextUuid();
      cds.owned.add(uuid);
      mode.set(uuid, "down");
      const { status, answer } = await post(uuid);
      expect(status).toBe(202);
      const before = copies(uuid).length;
      mode.set(uuid, "slow");
      expect(await waitFor(() => copies(uuid).length > before, 15_000, 50)).toBe(true);
      await waitFor(async () => (await record(answer.delivery)).status === "delivered", 10_000, 100);
      await new Promise((r) => setTimeout(r, WATCH_MS));
      expect(copies(uuid).filter((r) => r.answered !== 503).length, "copies CDS received once back").toBe(1);
      const delivered = await record(answer.delivery);
      expect(delivered.status).toBe("delivered");
      // Every attempt in the history: the direct forward's 503 first, the late 200 last, with its duration.
      expect(delivered.history).toHaveLength(delivered.attempts);
      expect(delivered.history[0]).toMatchObject({
        at: delivered.receivedAt,
        outcome: "unreachable",
        instance: "prod",
        error: expect.stringMatching(/503/),
      });
      expect(delivered.history.at(-1)).toMatchObject({ outcome: "accepted", instance: "prod", status: 200 });
      expect(delivered.history.at(-1)!.ms).toBeGreaterThanOrEqual(SLOW_MS);
    },
  );

  it(
    'while the answer is awaited, "Retry now" is refused (409) and "Retry all queued now" leaves the delivery alone',
    { timeout: 30_000 },
    async () => {
      const uuid = nextUuid();
      cds.owned.add(uuid);
      mode.set(uuid, "slow");
      const { status, answer } = await post(uuid);
      expect(status).toBe(202);
      const awaited = await record(answer.delivery);
      expect(awaited).toMatchObject({ status: "queued", attempts: 0 });
      expect(awaited.inFlightUntil).toBe(awaited.nextAttemptAt);
      const replay = await admin(`/-/deliveries/${answer.delivery}/replay?status=queued`, "POST");
      expect(replay.status).toBe(409);
      expect(((await replay.json()) as { message: string }).message).toMatch(/awaits CDS's answer/);
      expect(((await (await admin("/-/deliveries/retry-queued", "POST")).json()) as { due: number }).due).toBe(0);
      expect(awaited).toMatchObject({ inFlightSince: awaited.receivedAt, history: [] });
      expect(await waitFor(async () => (await record(answer.delivery)).status === "delivered", 10_000, 100)).toBe(true);
      expect(copies(uuid)).toHaveLength(1);
      // The late answer feeds the instance's health and the console's chart as one in time would (issue #16).
      const instances = (await (await admin("/-/instances")).json()) as {
        instances: Array<{ name: string; reachable: boolean; lastAccepted: { delivery: string; at: number } | null }>;
      };
      const prod = instances.instances.find((i) => i.name === "prod")!;
      expect(prod).toMatchObject({ reachable: true, lastAccepted: { delivery: answer.delivery } });
      expect(prod.lastAccepted!.at - awaited.receivedAt).toBeGreaterThanOrEqual(SLOW_MS);
      const activity = (await (await admin("/-/activity")).json()) as { minutes: Array<{ delivered: number }> };
      expect(activity.minutes.reduce((sum, m) => sum + m.delivered, 0)).toBeGreaterThanOrEqual(1);
    },
  );

  it("a late 404 from every instance makes the delivery dead, as for a queued one nobody owns", { timeout: 30_000 }, async () => {
    const uuid = nextUuid();
    mode.set(uuid, "slow-404");
    const { status, answer } = await post(uuid);
    expect(status).toBe(202);
    expect(await waitFor(async () => (await record(answer.delivery)).status === "dead", 10_000, 100)).toBe(true);
    const dead = await record(answer.delivery);
    expect(dead.lastError).toMatch(/404/);
    expect(dead.history).toEqual([{ at: dead.receivedAt, ms: expect.any(Number), outcome: "unknown", error: dead.lastError }]);
    expect(copies(uuid)).toHaveLength(1);
  });

  it("a late failure puts the delivery on its backoff, and it is retried as any other", { timeout: 30_000 }, async () => {
    const uuid = nextUuid();
    cds.owned.add(uuid);
    mode.set(uuid, "slow-503");
    const { status, answer } = await post(uuid);
    expect(status).toBe(202);
    // The first request's answer is decided (a 503, late); the next one will be taken.
    mode.set(uuid, "up");
    expect(await waitFor(async () => (await record(answer.delivery)).status === "delivered", 10_000, 100)).toBe(true);
    expect(copies(uuid).map((r) => r.answered)).toEqual([503, 200]);
    // The late 503 was an attempt like any other: counted, then the retry after its backoff.
    const delivered = await record(answer.delivery);
    expect(delivered).toMatchObject({ attempts: 2, responseStatus: 200 });
    expect(delivered.history.map((a) => [a.outcome, a.instance])).toEqual([
      ["unreachable", "prod"],
      ["accepted", "prod"],
    ]);
    expect(delivered.history[0]!.ms).toBeGreaterThanOrEqual(SLOW_MS);
    expect(copies(uuid)[1]!.receivedAt - copies(uuid)[0]!.receivedAt).toBeGreaterThanOrEqual(SLOW_MS);
  });
});

/**
 * The process dies while an answer is awaited: nothing accepted is lost. The
 * record says the attempt is in flight until its window ends; then it is due,
 * and whichever process runs the queue sends it again.
 */
describe("a gateway killed while CDS's answer is awaited (issue #12, finding 2)", () => {
  let cds: StubCds;
  let gateway: GatewayProcess | undefined;
  afterAll(async () => {
    await gateway?.stop();
    await cds?.close();
  });

  it("the delivery is attempted again once the window has passed, and delivered", { timeout: 60_000 }, async () => {
    const uuid = "e5f6a7b8-0000-4c1d-8e2f-000000000001";
    cds = await startStubCds({ owned: [uuid] });
    // The first request is never answered: its answer dies with the process.
    let first = true;
    cds.answer(() => (first ? ((first = false), "hang") : undefined));
    const configPath = gatewayConfig(cds, { lateAnswerWindow: "3s" });
    gateway = await startGateway(configPath);
    const res = await fetch(`${gateway.url}/${uuid}`, { method: "POST", body: "{}", headers: { "x-event-key": "repo:refs_changed" } });
    expect(res.status).toBe(202);
    const { delivery } = (await res.json()) as { delivery: string };
    const sentAt = cds.requests[0]!.receivedAt;
    await gateway.stop("SIGKILL");
    gateway = await startGateway(configPath);
    const admin = async () =>
      (
        await fetch(`${gateway!.url}/-/deliveries/${delivery}`, { headers: { authorization: `Bearer ${TOKEN}` } })
      ).json() as Promise<Detail>;
    expect(await waitFor(async () => (await admin()).status === "delivered", 30_000, 100)).toBe(true);
    expect(cds.requests).toHaveLength(2);
    // Not before the window of the lost attempt ended: forwardTimeout + lateAnswerWindow + 5 s.
    expect(cds.requests[1]!.receivedAt - sentAt).toBeGreaterThanOrEqual(1_000 + 3_000 + 5_000 - 200);
    // The lost attempt is counted, with what is known of it: in the history from its start to its window's end.
    const delivered = await admin();
    expect(delivered).toMatchObject({ status: "delivered", attempts: 2 });
    expect(delivered.history.map((a) => a.outcome)).toEqual(["lost", "accepted"]);
    expect(delivered.history[0]).toMatchObject({ at: delivered.receivedAt, error: expect.stringMatching(/no result recorded/) });
    expect(delivered.history[0]!.ms).toBeGreaterThanOrEqual(1_000 + 3_000 + 5_000 - 200);
    expect(delivered.history[1]!.at).toBeGreaterThanOrEqual(delivered.history[0]!.at + delivered.history[0]!.ms);
  });
});
