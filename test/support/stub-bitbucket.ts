import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A programmable Bitbucket Server stand-in: a real HTTP server on 127.0.0.1,
 * random port, that records every request and answers from a route table.
 *
 *   const bb = await startStubBitbucket();
 *   bb.setHandler("POST", "/rest/build-status/1.0/commits/abc", { status: 204 });
 *   bb.setHandler("GET", /\/pull-requests\?/, (req) => ({ json: { values: [], isLastPage: true } }));
 *   bb.setHandler("POST", "/x", [{ status: 429, headers: { "Retry-After": "2" } }, { status: 204 }]);
 *   // … point the code under test at bb.url …
 *   expect(bb.requests[0]!.headers.authorization).toMatch(/^Bearer /);
 *   await bb.close();
 *
 * Routes:
 * - `path` is a string compared with the request path WITHOUT its query, or a
 *   RegExp tested against path + query as received.
 * - `reply` is a StubReply, an array of them (one per matching request, the
 *   last one repeating), or a function of the StubRequest returning one.
 * - The route set last wins when several match. Unmatched requests get 404
 *   with a Bitbucket-style `{"errors":[{"message":…}]}` body.
 * - `{ hang: true }` never answers (for timeout tests); close() cuts it off.
 */
export interface StubRequest {
  method: string;
  /** Path and query exactly as received, e.g. `/rest/api/1.0/projects?start=0`. */
  path: string;
  /** Path without the query. */
  pathname: string;
  query: URLSearchParams;
  /** Header names in lowercase; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export interface StubReply {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** Raw body text. */
  body?: string;
  /** Serialized as the body with `Content-Type: application/json`. */
  json?: unknown;
  /** Never answer. */
  hang?: boolean;
}

export type StubRoute = StubReply | StubReply[] | ((request: StubRequest) => StubReply | Promise<StubReply>);

export interface StubBitbucket {
  /** `http://127.0.0.1:<port>`, no trailing slash: use it as the server `url`. */
  url: string;
  /** Every request received, in order. */
  requests: StubRequest[];
  setHandler(method: string, path: string | RegExp, reply: StubRoute): void;
  /** Forgets routes and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

interface Route {
  method: string;
  path: string | RegExp;
  reply: StubRoute;
  served: number;
}

export async function startStubBitbucket(): Promise<StubBitbucket> {
  let routes: Route[] = [];
  const requests: StubRequest[] = [];
  const hanging = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(`stub error: ${String(error)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? "/";
    const parsed = new URL(path, "http://stub");
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const request: StubRequest = {
      method: req.method ?? "GET",
      path,
      pathname: parsed.pathname,
      query: parsed.searchParams,
      headers,
      body: Buffer.concat(chunks).toString("utf8"),
    };
    requests.push(request);

    const route = [...routes].reverse().find((r) => r.method === request.method && matches(r.path, request));
    let reply: StubReply;
    if (!route) {
      reply = {
        status: 404,
        json: { errors: [{ context: null, message: `stub: no route for ${request.method} ${request.pathname}`, exceptionName: null }] },
      };
    } else if (typeof route.reply === "function") {
      reply = await route.reply(request);
    } else if (Array.isArray(route.reply)) {
      reply = route.reply[Math.min(route.served, route.reply.length - 1)] ?? { status: 500 };
    } else {
      reply = route.reply;
    }
    if (route) route.served++;

    if (reply.hang) {
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      return;
    }
    const outHeaders: Record<string, string> = { ...reply.headers };
    let body = reply.body ?? "";
    if (reply.json !== undefined) {
      body = JSON.stringify(reply.json);
      outHeaders["Content-Type"] ??= "application/json;charset=UTF-8";
    }
    res.writeHead(reply.status ?? 200, outHeaders);
    res.end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setHandler(method, path, reply) {
      routes.push({ method: method.toUpperCase(), path, reply, served: 0 });
    },
    reset() {
      routes = [];
      requests.length = 0;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same as startStubBitbucket, under the short name some tests prefer. */
export const start = startStubBitbucket;

function matches(path: string | RegExp, request: StubRequest): boolean {
  if (typeof path === "string") return path === request.pathname;
  path.lastIndex = 0; // a /g or /y RegExp keeps state between calls
  return path.test(request.path);
}
