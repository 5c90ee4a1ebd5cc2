/** A stand-in for a CDS hooks service on 127.0.0.1, on Deno.serve (test/support/stub-cds.ts is the Node one). */

export interface DenoReceived {
  method: string;
  /** Path and query. */
  url: string;
  headers: Headers;
  body: Uint8Array;
}

export type DenoStubAnswer = { status: number; body?: string };

export interface DenoStubCds {
  hooksUrl: string;
  requests: DenoReceived[];
  owned: Set<string>;
  answer(fn: ((req: DenoReceived) => DenoStubAnswer | undefined) | undefined): void;
  close(): Promise<void>;
}

/** Answers `POST /cdshooks/webhook/<uuid>` like CDS: 200 with a task JSON for owned UUIDs, 404 otherwise. */
export function startDenoStubCds(owned: string[] = []): DenoStubCds {
  const requests: DenoReceived[] = [];
  const owns = new Set(owned);
  let override: ((req: DenoReceived) => DenoStubAnswer | undefined) | undefined;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    const received: DenoReceived = {
      method: request.method,
      url: url.pathname + url.search,
      headers: request.headers,
      body: new Uint8Array(await request.arrayBuffer()),
    };
    requests.push(received);
    const custom = override?.(received);
    if (custom) return new Response(custom.body ?? "", { status: custom.status, headers: { "content-type": "application/json" } });
    const m = /^\/cdshooks\/webhook\/([^/?]+)/.exec(received.url);
    if (!m || !owns.has(m[1]!)) return new Response('{"message":"Unknown uuid"}', { status: 404 });
    const task = { uuid: m[1], type: "RepoWebHook", status: "SCHEDULED", config: { project: { value: "PRJ" }, workflow: { value: "wf" } } };
    return Response.json(task);
  });
  return {
    hooksUrl: `http://127.0.0.1:${server.addr.port}/cdshooks`,
    requests,
    owned: owns,
    answer: (fn) => {
      override = fn;
    },
    close: () => server.shutdown(),
  };
}
