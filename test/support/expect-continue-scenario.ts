import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStubCds, type StubCds } from "./stub-cds.ts";
import { gatewayToml } from "./gateway-toml.ts";

/**
 * Finding 1 of issue #12, checked from the outside on a served gateway (the
 * Node bin, `deno task start`): a client that sends `Expect: 100-continue`
 * and holds its body back until the gateway says `100 Continue`, as HTTP
 * clients configured for it (Apache HttpClient's expect-continue) do.
 */
const UUID = "e0c1d2e3-0001-4f5a-8b9c-0d1e2f3a4b5c";

export interface ExpectRuntime {
  url: string;
  stop(): Promise<void>;
}

/** What the client saw: whether a 100 came before it sent the body, and the final answer. */
export interface ExpectExchange {
  continued: boolean;
  status: number;
  body: string;
}

/**
 * POSTs `body` with `Expect: 100-continue`: the headers go first, the body
 * only after the server's `100 Continue`. Bounded: without a 100 within
 * `waitMs` the body is never sent and the request is abandoned.
 */
export function postExpectingContinue(
  url: string,
  body: Buffer,
  headers: Record<string, string> = {},
  waitMs = 5_000,
): Promise<ExpectExchange> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = request(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-event-key": "repo:refs_changed",
        "content-length": String(body.length),
        expect: "100-continue",
        ...headers,
      },
    });
    const bound = setTimeout(() => {
      req.destroy();
      reject(new Error(`no 100 Continue and no answer within ${waitMs} ms`));
    }, waitMs);
    req.on("continue", () => {
      continued = true;
      req.end(body);
    });
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => {
        clearTimeout(bound);
        resolve({ continued, status: res.statusCode ?? 0, body: text });
      });
    });
    req.on("error", (error) => {
      clearTimeout(bound);
      reject(error);
    });
    req.flushHeaders();
  });
}

export function describeExpectContinueScenario(name: string, start: (config: string) => Promise<ExpectRuntime>, timeoutMs = 90_000): void {
  describe(name, () => {
    let cds: StubCds;
    let runtime: ExpectRuntime;

    beforeAll(async () => {
      cds = await startStubCds({ owned: [UUID] });
      runtime = await start(gatewayToml({ gateway: { forwardTimeout: "5s" }, cds: { prod: { hooksUrl: cds.hooksUrl } } }));
    }, timeoutMs);
    afterAll(async () => {
      await runtime?.stop();
      await cds?.close();
    });

    it("answers 100 Continue, reads the body, and forwards it at once without the Expect header", async () => {
      const body = Buffer.from(JSON.stringify({ eventKey: "repo:refs_changed", n: "expect-continue" }));
      const exchange = await postExpectingContinue(`${runtime.url}/${UUID}`, body);
      expect(exchange.continued).toBe(true);
      expect(exchange.status, exchange.body).toBe(200);
      expect(JSON.parse(exchange.body)).toMatchObject({ status: "forwarded" });
      const got = cds.requests.filter((r) => r.url === `/cdshooks/webhook/${UUID}`);
      expect(got).toHaveLength(1);
      expect(Buffer.compare(got[0]!.body, body)).toBe(0);
      expect(got[0]!.headers.expect).toBeUndefined();
    });
  });
}
