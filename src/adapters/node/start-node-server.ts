import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { Hono } from "hono";

export interface NodeServer {
  port: number;
  /** Stops accepting, lets in-flight requests finish (bounded by `graceMs`), then closes idle connections. */
  close(graceMs?: number): Promise<void>;
}

/** The peer address on Node, for the app's `clientIp` port. */
export const nodeClientIp = (c: Parameters<typeof getConnInfo>[0]) => getConnInfo(c).remote.address;

/** Serves the app on @hono/node-server; resolves once listening. */
export async function startNodeServer(app: Hono, options: { port: number; hostname?: string }): Promise<NodeServer> {
  const server = await new Promise<Server>((resolveListening) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.hostname }, () => resolveListening(s as Server));
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
