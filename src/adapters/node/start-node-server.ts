import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { Hono } from "hono";
import { PROCESS_EXECUTION_CONTEXT } from "../../app/process-execution-context.ts";

export interface NodeServer {
  port: number;
  /** Stops accepting, lets in-flight requests finish (bounded by `graceMs`), then closes idle connections. */
  close(graceMs?: number): Promise<void>;
}

/** The peer address on Node, for the app's `clientIp` port. */
export const nodeClientIp = (c: Parameters<typeof getConnInfo>[0]) => getConnInfo(c).remote.address;

/**
 * Serves the app on @hono/node-server; resolves once listening. The request
 * headers must arrive within `headersTimeoutMs` and the whole request within
 * `headersTimeoutMs + bodyTimeoutMs` (Node's requestTimeout, a total: a
 * trickled request is cut, issue #11), checked every second or sooner; the
 * core's own body deadline answers 408 first, this cuts whatever it does not
 * read. Node's defaults would hold a trickled request for 300 s.
 */
export async function startNodeServer(
  app: Hono,
  options: { port: number; hostname?: string; headersTimeoutMs?: number; bodyTimeoutMs?: number },
): Promise<NodeServer> {
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = headersTimeout + (options.bodyTimeoutMs ?? 30_000);
  const connectionsCheckingInterval = Math.max(100, Math.min(1_000, Math.floor(headersTimeout / 4)));
  const server = await new Promise<Server>((resolveListening) => {
    const s = serve(
      {
        fetch: (request, env) => app.fetch(request, env, PROCESS_EXECUTION_CONTEXT),
        port: options.port,
        hostname: options.hostname,
        serverOptions: { headersTimeout, requestTimeout, connectionsCheckingInterval },
      },
      () => resolveListening(s as Server),
    );
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: (graceMs = 30_000) =>
      new Promise<void>((done) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          done();
        });
        // Keep-alive connections with no request in flight would hold close() open.
        server.closeIdleConnections();
      }),
  };
}
