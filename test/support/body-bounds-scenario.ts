import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest, webhookHead } from "./slow-client.ts";
import { startStubCds, type StubCds } from "./stub-cds.ts";
import { waitFor } from "./wait-for.ts";
import { gatewayToml } from "./gateway-toml.ts";

/**
 * Finding 3 of issue #11, bounded memory and time for unauthenticated
 * clients, checked from the outside by behaviour (answers and closed
 * connections, never the process's memory) on a served gateway: the Node
 * bin, `deno task start`.
 */
const UUID = "b0d1e5a7-0001-4e5f-8a9b-0c1d2e3f4a5b";
const MIB = 1024 * 1024;

export interface BoundsRuntime {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** `[gateway]` of the scenario: 1 MiB bodies, 2 MiB in flight, a 2 s body deadline, a 1 s headers deadline. */
export function boundsConfig(cds: StubCds): string {
  return gatewayToml({
    gateway: { maxBodyBytes: MIB, maxBodyBytesInFlight: 2 * MIB, headersTimeout: "1s", bodyTimeout: "2s" },
    cds: { prod: { hooksUrl: cds.hooksUrl } },
  });
}

export function describeBodyBoundsScenario(
  name: string,
  start: (config: string) => Promise<BoundsRuntime>,
  options: {
    /** The runtime cuts request headers trickled past their deadline (Node; Deno.serve has no such setting). */
    headersTimeout: boolean;
    /** The runtime closes a connection whose body was refused mid-way (Node; Deno.serve keeps it while the client sends). */
    closesTrickledConnections: boolean;
    timeoutMs?: number;
  },
): void {
  describe(name, () => {
    let cds: StubCds;
    let runtime: BoundsRuntime;

    beforeAll(async () => {
      cds = await startStubCds({ owned: [UUID] });
      runtime = await start(boundsConfig(cds));
    }, options.timeoutMs ?? 90_000);
    afterAll(async () => {
      await runtime?.stop();
      await cds?.close();
    });

    const forwards = () => cds.requests.length;
    const post = (bytes: number) =>
      fetch(`${runtime.url}/${UUID}`, {
        method: "POST",
        body: new Uint8Array(bytes).fill(0x20),
        headers: { "content-type": "application/json" },
      });

    it("answers 503 with Retry-After while the bodies in flight use the budget, and takes webhooks again once they are gone", async () => {
      // Two clients announce 1 MiB each and send nothing more: the 2 MiB budget is spoken for.
      const held = [
        rawRequest(runtime.port, webhookHead(`/${UUID}`, MIB), { boundMs: 20_000 }),
        rawRequest(runtime.port, webhookHead(`/${UUID}`, MIB), { boundMs: 20_000 }),
      ];
      try {
        // Until both are being read, a small webhook may still get through: wait (bounded) for the 503.
        let busy: Response | undefined;
        await waitFor(async () => {
          const res = await post(1024);
          if (res.status === 503) busy = res;
          else await res.body?.cancel();
          return busy !== undefined;
        }, 5_000);
        expect(busy?.status).toBe(503);
        expect(busy!.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(((await busy!.json()) as { error: string }).error).toBe("busy");
        const before = forwards();
        expect((await post(1024)).status).toBe(503);
        expect(forwards()).toBe(before);
      } finally {
        for (const h of held) h.socket.destroy();
      }
      // The clients went away: their reservations are released.
      expect(await waitFor(async () => (await post(MIB)).status === 200, 10_000)).toBe(true);
    }, 30_000);

    it("answers a body trickled a byte every 200 ms with 408 at the body deadline (a total, not an idle timeout), nothing forwarded", async () => {
      const before = forwards();
      for (const framing of [100, "chunked"] as const) {
        // 20 s of trickle, where a 2 s deadline applies.
        const drip = framing === "chunked" ? Array.from({ length: 100 }, () => "1\r\n \r\n") : Array.from({ length: 100 }, () => " ");
        const { answer, answeredAfterMs, closedAfterMs } = await rawRequest(runtime.port, webhookHead(`/${UUID}`, framing), {
          drip,
          everyMs: 200,
          boundMs: 8_000,
          untilAnswered: !options.closesTrickledConnections,
        }).done;
        expect(answeredAfterMs, `${framing}: no answer within 8 s`).toBeDefined();
        expect(answer.startsWith("HTTP/1.1 408"), `${framing}: ${answer.slice(0, 40)}`).toBe(true);
        if (options.closesTrickledConnections) expect(closedAfterMs, `${framing}: still open after 8 s`).toBeDefined();
      }
      expect(forwards()).toBe(before);
    }, 30_000);

    if (options.headersTimeout) {
      it("cuts request headers trickled a byte every 200 ms", async () => {
        const drip = Array.from({ length: 60 }, () => "a");
        const { closedAfterMs } = await rawRequest(runtime.port, `POST /${UUID} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `, {
          drip,
          everyMs: 200,
          boundMs: 8_000,
        }).done;
        expect(closedAfterMs, "still open after 8 s").toBeDefined();
      }, 20_000);
    }
  });
}
