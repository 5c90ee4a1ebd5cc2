/**
 * The allowed direction of imports between the folders of `src/` (issue #15,
 * docs/ARCHITECTURE.md): each folder names the folders it may import, and
 * scripts/folder-graph.ts fails on any other import, and on any cycle.
 */
export interface FolderRule {
  /** What the folder holds, in a few words (the table in docs/ARCHITECTURE.md). */
  holds: string;
  /** The folders of `src/` it may import. */
  imports: readonly string[];
}

export type FolderRules = Readonly<Record<string, FolderRule>>;

/** Bottom to top: a folder imports only folders listed above it. */
export const FOLDER_RULES: FolderRules = {
  core: { holds: "ports (store, clock, logger, fetch, HMAC), errors and the error catalogue, configuration types, metrics", imports: [] },
  lib: {
    holds:
      "small Web-standard helpers: bytes and base64, uuid v7 and the random pool, bounded body reader, timeouts, retry delay, JSON logger and its line buffer",
    imports: ["core"],
  },
  store: { holds: "the checked KvStore wrapper, the memory store, key order, versions, due work and leases", imports: ["core", "lib"] },
  oauth1: { holds: "OAuth 1.0a signer (RFC 5849) on WebCrypto", imports: ["core", "lib"] },
  httpsig: { holds: "draft-cavage HTTP Signatures verification (CDS's signed calls)", imports: ["core", "lib"] },
  config: { holds: "reading and checking the TOML configuration", imports: ["core", "lib", "oauth1", "httpsig"] },
  bitbucket: { holds: "Bitbucket Server REST client", imports: ["core", "lib", "oauth1"] },
  "cds-api": { holds: "the gateway's own calls to the CDS API: session, pacing", imports: ["core", "lib"] },
  relay: { holds: "the webhook relay: path, body, signature, X-Request-Id, routes, offering a webhook to CDS", imports: ["core", "lib"] },
  queue: { holds: "the durable queue: records, attempts, retries, dead letters, drains", imports: ["core", "lib", "store", "relay"] },
  branches: { holds: "the branch-deletion lifecycle", imports: ["core", "lib", "store", "relay", "cds-api"] },
  "build-status": {
    holds: "build statuses and pull-request comments posted to Bitbucket for CDS",
    imports: ["core", "lib", "oauth1", "bitbucket"],
  },
  "cds-vcs-service": {
    holds: "the gateway as the address of CDS's vcs service: signed calls verified, answered or passed through",
    imports: ["core", "lib", "httpsig", "cds-api", "build-status"],
  },
  console: {
    holds: "what the operator's console shows of this process",
    imports: ["core", "lib", "relay", "queue", "branches", "bitbucket"],
  },
  admin: { holds: "the `/-/*` routes and the console page", imports: ["core", "lib", "relay", "queue", "branches", "console"] },
  cli: { holds: "the runtime-neutral commands of `cds-gateway`", imports: ["core", "lib", "config", "oauth1", "bitbucket"] },
  app: {
    holds: "the composition root: `createGateway` builds the app from the feature folders and the ports",
    imports: ["core", "lib", "store", "relay", "queue", "branches", "cds-api", "build-status", "cds-vcs-service", "console", "admin"],
  },
  "adapters/node": {
    holds: "Node: HTTP server, SQLite and Redis stores, undici, the command line",
    imports: ["core", "lib", "store", "config", "cli", "app"],
  },
  "adapters/workers": {
    holds: "Cloudflare Workers: bindings, KV store and ClaimLock, the Queue's glue",
    imports: ["core", "lib", "store", "queue", "config", "app"],
  },
  "adapters/deno": { holds: "Deno: Deno.serve, Deno KV store and wake-ups, Deno.cron", imports: ["core", "lib", "store", "config", "app"] },
};
