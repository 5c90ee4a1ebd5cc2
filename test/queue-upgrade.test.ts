import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { waitFor } from "./support/wait-for.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

const UUID = "7d3e1f20-5a4b-4c6d-8e9f-0a1b2c3d4e5f";
const TOKEN = "upgrade-admin-token";
const MINUTE = 60_000;

/**
 * Issue #12, finding 9: the delivery records' layout changed (one record key
 * with a summary per record, instead of one key per status). An operator who
 * upgrades with deliveries in the queue loses none: the real Node gateway is
 * started on a SQLite file written by the previous version (its table had no
 * version column, its records lived under `delivery:<status>:<id>`), and
 * lists, attempts and delivers them, each once (docs/storage-schema.md,
 * "Schema changes").
 */
describe("upgrading with deliveries in the queue", () => {
  let cds: StubCds;
  let gateway: GatewayProcess | undefined;
  afterAll(async () => {
    await gateway?.stop();
    await cds?.close();
  });

  it(
    "lists, attempts and delivers the records the previous version stored, each once, and moves them to the current layout",
    { timeout: 60_000 },
    async () => {
      cds = await startStubCds({ owned: [UUID] });
      const dir = mkdtempSync(join(tmpdir(), "cds-gw-upgrade-"));
      const path = join(dir, "gateway.db");
      const now = Date.now();

      // The database as the previous version left it.
      const db = new Database(path);
      db.exec(`CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER);
CREATE INDEX kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;`);
      const put = db.prepare("INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)");
      const record = (n: number, status: string, extra: Record<string, unknown>) => {
        const id = `0190f1e2-0000-7000-8000-${String(n).padStart(12, "0")}`;
        const body = JSON.stringify({ eventKey: "repo:refs_changed", n, text: "é" });
        return {
          id,
          uuid: UUID,
          server: "Bitbucket",
          search: "",
          headers: { "content-type": "application/json", "x-event-key": "repo:refs_changed", "x-request-id": `upgrade-${n}` },
          body: Buffer.from(body).toString("base64"),
          requestId: `upgrade-${n}`,
          receivedAt: now - 10 * MINUTE,
          status,
          attempts: 3,
          queuedSince: now - 10 * MINUTE,
          lastError: "prod: HTTP 503",
          ...extra,
        };
      };
      const due = (at: number, id: string) => `queue:${String(at).padStart(15, "0")}:${id}`;
      const queuedDue = [1, 2, 3].map((n) => record(n, "queued", { nextAttemptAt: now - MINUTE }));
      const queuedLater = record(4, "queued", { nextAttemptAt: now + 10 * MINUTE });
      const dead = record(5, "dead", { deadAt: now - MINUTE });
      const delivered = record(6, "delivered", { deliveredAt: now - MINUTE, instance: "prod", responseStatus: 200 });
      for (const r of [...queuedDue, queuedLater]) {
        put.run(`delivery:queued:${r.id}`, JSON.stringify(r), null);
        put.run(due((r as { nextAttemptAt?: number }).nextAttemptAt!, r.id), r.id, null);
      }
      put.run(`delivery:dead:${dead.id}`, JSON.stringify(dead), null);
      put.run(`delivery:delivered:${delivered.id}`, JSON.stringify(delivered), now + 7 * 24 * 60 * MINUTE);
      // A lease of the previous version, left by a process that stopped mid-attempt, and already expired.
      put.run(`lease:delivery:${queuedDue[0]!.id}`, String(now - 5 * MINUTE), now - MINUTE);
      db.close();

      const config = writeConfig(
        gatewayToml({
          gateway: { store: `sqlite:${path}`, forwardTimeout: "2s", sweepInterval: "100ms", apiTokens: [TOKEN] },
          cds: { prod: { hooksUrl: cds.hooksUrl } },
          servers: { Bitbucket: { url: "https://bitbucket.example.com" } },
        }),
        dir,
      );
      gateway = await startGateway(config);
      const admin = async (path: string, method = "GET") => {
        const res = await fetch(`${gateway!.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
        return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as Record<string, unknown>) };
      };
      const listed = async (status: string) =>
        ((await admin(`/-/deliveries?status=${status}`)).body!.deliveries as Array<{ id: string; bodyBytes: number }>).map((d) => d.id);
      const deliveredCounts = () => {
        const counts = new Map<string, number>();
        for (const r of cds.requests)
          if (r.answered === 200)
            counts.set(r.headers["x-request-id"] as string, (counts.get(r.headers["x-request-id"] as string) ?? 0) + 1);
        return counts;
      };

      // The due ones are attempted and delivered, byte for byte.
      expect(await waitFor(() => [1, 2, 3].every((n) => deliveredCounts().has(`upgrade-${n}`)), 20_000)).toBe(true);
      for (const r of queuedDue) {
        const got = cds.requests.find((q) => q.headers["x-request-id"] === r.requestId && q.answered === 200)!;
        expect(got.body.toString("base64")).toBe(r.body);
        expect(got.url).toBe(`/cdshooks/webhook/${UUID}`);
      }
      // The others are listed where they belong; the one not due yet waits.
      expect(await listed("queued")).toEqual([queuedLater.id]);
      expect(await listed("dead")).toEqual([dead.id]);
      expect(await listed("delivered")).toEqual([...queuedDue.map((r) => r.id), delivered.id]);
      expect((await admin(`/-/deliveries/${delivered.id}`)).body).toMatchObject({
        status: "delivered",
        instance: "prod",
        deliveredAt: now - MINUTE,
      });

      // An operator brings the rest: "Retry all queued now", and a replay of the dead letter.
      expect((await admin("/-/deliveries/retry-queued", "POST")).body).toEqual({ status: "queued", due: 1 });
      expect((await admin(`/-/deliveries/${dead.id}/replay?status=dead`, "POST")).status).toBe(202);
      expect(await waitFor(() => [4, 5].every((n) => deliveredCounts().has(`upgrade-${n}`)), 20_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect([...deliveredCounts()].sort()).toEqual([1, 2, 3, 4, 5].map((n) => [`upgrade-${n}`, 1]));
      expect(await listed("queued")).toEqual([]);

      // Nothing is left in the previous layout.
      const after = new Database(path, { readonly: true });
      try {
        const keys = after.prepare("SELECT key FROM kv WHERE key LIKE 'delivery:%' OR key LIKE 'queue:%'").pluck().all();
        expect(keys).toEqual([]);
      } finally {
        after.close();
      }
    },
  );
});
