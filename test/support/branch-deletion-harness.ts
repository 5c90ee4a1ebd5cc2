import { createHmac } from "node:crypto";
import { loadConfig } from "../../src/config/load-config.ts";
import { createGateway, type Gateway } from "../../src/app/create-gateway.ts";
import type { KvStore, LogFields, Logger, LogLevel } from "../../src/core/ports.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import type { StubCds } from "./stub-cds.ts";
import type { StubCdsApi } from "./stub-cds-api.ts";
import { type GatewaySection, gatewayToml, type ServerSection } from "./gateway-toml.ts";

export const ADMIN_TOKEN = "admin-token-for-branch-tests";
export const CONSUMER_TOKEN = "cds-consumer-token-secret-value";
export const ZERO = "0000000000000000000000000000000000000000";
export const DELAY_MS = 24 * 3_600_000;
/** Server B's webhookSecret: the harness signs what it posts, as only signed pushes record deletions (issue #11). */
export const HOOK_SECRET = "harness-hook-secret";

/** `X-Hub-Signature` of a body with HOOK_SECRET. */
export function signBody(body: string | Uint8Array, secret = HOOK_SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface RefChangeSpec {
  ref: string;
  type: "ADD" | "UPDATE" | "DELETE";
  /** Default BRANCH for refs/heads/…, TAG for refs/tags/…. */
  refType?: string;
}

/** A Bitbucket Server `repo:refs_changed` body with these changes. */
export function refsChangedBody(changes: RefChangeSpec[], date: string | number = new Date().toISOString()): string {
  return JSON.stringify({
    eventKey: "repo:refs_changed",
    date,
    actor: { name: "gopher", slug: "gopher", type: "NORMAL" },
    repository: { slug: "webhook-test", project: { key: "PRJ" } },
    changes: changes.map((c) => ({
      ref: {
        id: c.ref,
        displayId: c.ref.replace(/^refs\/(heads|tags)\//, ""),
        type: c.refType ?? (c.ref.startsWith("refs/tags/") ? "TAG" : "BRANCH"),
      },
      refId: c.ref,
      fromHash: c.type === "ADD" ? ZERO : "32a0b8a740c2963c6f56bd8baf3dc05683d299e0",
      toHash: c.type === "DELETE" ? ZERO : "22671f0349857934857983457983475ec39f196b",
      type: c.type,
    })),
  });
}

export interface LoggedLine {
  level: LogLevel;
  message: string;
  fields?: LogFields;
}

export interface BranchHarness {
  gateway: Gateway;
  store: KvStore;
  logs: LoggedLine[];
  /** Posts a webhook to server B's path, signed unless `headers` bring their own `x-hub-signature`. */
  post(uuid: string, body: string | Uint8Array<ArrayBuffer>, headers?: Record<string, string>): Promise<Response>;
  admin(path: string, method?: string): Promise<Response>;
  pending(): Promise<Array<Record<string, unknown> & { id: string; branch: string }>>;
}

/**
 * The whole gateway in-process (createGateway with a memory store and an
 * injected clock) in front of a stub CDS hooks service and a stub CDS API on
 * loopback: instance `prod` has apiUrl and token, `bare` has neither.
 * `gateway` and `server` are added to `[gateway]` and to server B's
 * `bitbucket` table. Server B verifies signatures unless `unsigned`.
 */
export async function branchHarness(options: {
  cds: StubCds;
  bare?: StubCds;
  api: StubCdsApi;
  clock: { now(): number };
  store?: KvStore;
  random?: () => number;
  gateway?: GatewaySection;
  server?: NonNullable<ServerSection["bitbucket"]>;
  /** Server B without webhookSecret, and nothing signed. */
  unsigned?: boolean;
}): Promise<BranchHarness> {
  const config = await loadConfig(
    gatewayToml({
      gateway: { apiTokens: [ADMIN_TOKEN], forwardTimeout: "2s", branchDeletionDelay: "24h", ...options.gateway },
      cds: {
        prod: { hooksUrl: options.cds.hooksUrl, apiUrl: options.api.apiUrl, token: "env:CDS_PROD_TOKEN" },
        ...(options.bare ? { bare: { hooksUrl: options.bare.hooksUrl } } : {}),
      },
      servers: {
        B: {
          url: "https://bb",
          bitbucket: { proxyWebhook: "https://gw/", ...(options.unsigned ? {} : { webhookSecret: [HOOK_SECRET] }), ...options.server },
        },
      },
    }),
    { env: (name) => (name === "CDS_PROD_TOKEN" ? CONSUMER_TOKEN : undefined) },
  );
  const store = options.store ?? createMemoryStore({ clock: options.clock });
  const logs: LoggedLine[] = [];
  const logger: Logger = { log: (level, message, fields) => logs.push({ level, message, fields }) };
  const gateway = createGateway({
    config,
    store,
    fetch: (url, init) => fetch(url, init as RequestInit),
    clock: options.clock,
    logger,
    random: options.random ?? (() => 0.5),
  });
  const admin = async (path: string, method = "GET") =>
    gateway.app.request(`http://gw${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return {
    gateway,
    store,
    logs,
    post: async (uuid, body, headers = {}) =>
      gateway.app.request(`http://gw/${uuid}`, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-event-key": "repo:refs_changed",
          ...(options.unsigned ? {} : { "x-hub-signature": signBody(body) }),
          ...headers,
        },
      }),
    admin,
    pending: async () =>
      (
        (await (await admin("/-/branch-deletions")).json()) as {
          branchDeletions: Array<Record<string, unknown> & { id: string; branch: string }>;
        }
      ).branchDeletions,
  };
}
