import { parse, TomlError } from "smol-toml";
import { importRsaPublicKey } from "../httpsig/import-rsa-public-key.ts";
import { importRsaPrivateKey } from "../oauth1/import-rsa-private-key.ts";
import { parseIpRange } from "../lib/parse-ip-range.ts";
import { Secret } from "../core/secret.ts";
import { bitbucketKeyPath } from "./bitbucket-key-path.ts";
import { ConfigError, type ConfigIssue } from "./config-error.ts";
import type { BitbucketServerConfig, CdsInstanceConfig, GatewayConfig, GatewaySettings } from "../core/config-types.ts";
import { type ConfigSources, isTable, TableReader, type TomlTable } from "./table-reader.ts";

export type { ConfigSources } from "./table-reader.ts";

const GATEWAY_KEYS = [
  "publicUrl",
  "maxBodyBytes",
  "forwardTimeout",
  "apiTokens",
  "store",
  "branchDeletionDelay",
  "sweepInterval",
  "rateLimit",
  "cds",
  "cdsApiCallsPerSecond",
  "trustedProxies",
  "vcsTokens",
  "adminTokens",
  "maxBodyBytesInFlight",
  "headersTimeout",
  "bodyTimeout",
  "storeTimeout",
  "routeCacheTtl",
  "routeCacheSize",
  "lateAnswerWindow",
  "drainConcurrency",
];
const CDS_KEYS = ["hooksUrl", "apiUrl", "uiUrl", "token", "vcsUrl", "apiPublicKey"];
const BITBUCKET_KEYS = [
  "consumerKey",
  "privateKey",
  "accessToken",
  "disablePolling",
  "disableWebHooks",
  "proxyWebhook",
  "token",
  "username",
  "webhookSecret",
  "Status",
  "unsignedBranchDeletions",
];
const NO_CDS_INSTANCE = "at least one CDS instance ([gateway.cds.NAME] with hooksUrl) is required to serve";

/** Keys CDS's documentation still shows but no CDS version reads (docs/cds-behaviour.md#its-configuration-loader). */
const STALE_BITBUCKET_KEYS = ["disableWebHooksCreation"];

/** What the caller needs of the configuration beyond its validity. */
export interface LoadConfigOptions {
  /**
   * Serving (the Node `serve` command, the Deno and Workers entry points)
   * needs a CDS instance to relay to; the commands that only talk to
   * Bitbucket do not (issue #14), so a file holding only `[vcs.servers]` loads.
   */
  serving?: boolean;
}

/**
 * Parses and validates the gateway configuration (docs/configuration.md) into a
 * frozen object. Every problem is reported with its TOML key path; the TOML
 * parser's own errors carry line and column. Sections the gateway does not
 * use (`[api]`, `[hooks]`, other VCS kinds) are ignored so a CDS file loads.
 * Never echoes a value: the parser's code excerpt is dropped because the
 * offending line may hold a secret.
 */
export async function loadConfig(text: string, sources: ConfigSources, options: LoadConfigOptions = {}): Promise<GatewayConfig> {
  let doc: TomlTable;
  try {
    doc = parse(text) as TomlTable;
  } catch (error) {
    if (error instanceof TomlError) {
      const message = (error.message.split("\n")[0] ?? "invalid TOML").replace(/^Invalid TOML document: /, "");
      throw new ConfigError([{ path: "", message: `TOML syntax error: ${message}`, line: error.line, column: error.column }]);
    }
    throw error;
  }

  const issues: ConfigIssue[] = [];
  const root = new TableReader("", doc, issues, sources);
  const gatewayTable = root.child("gateway") ?? new TableReader("gateway", {}, issues, sources);
  const gateway = readGatewaySettings(gatewayTable);
  const cds = readCdsInstances(gatewayTable);
  const servers = readBitbucketServers(root, gateway);
  checkSharedPrefixes(servers, issues);
  await checkPrivateKeys(servers, issues);
  await checkApiPublicKeys(cds, issues);

  if (options.serving && Object.keys(cds).length === 0 && !issues.some((i) => i.path.startsWith("gateway.cds"))) {
    issues.push({ path: "gateway.cds", message: NO_CDS_INSTANCE });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return deepFreeze({ gateway, cds, servers });
}

function readGatewaySettings(t: TableReader): GatewaySettings {
  t.rejectUnknownKeys(GATEWAY_KEYS);
  const maxBodyBytes = t.integer("maxBodyBytes", 10 * 1024 * 1024, 1);
  // Default 64 MiB, or one body of the allowed size when that is larger (a file from before it existed keeps working).
  const maxBodyBytesInFlight = t.integer("maxBodyBytesInFlight", Math.max(64 * 1024 * 1024, maxBodyBytes), 1);
  // Below maxBodyBytes, a webhook of the allowed size could never be read.
  if (maxBodyBytesInFlight < maxBodyBytes) t.issue("maxBodyBytesInFlight", `must be at least maxBodyBytes (${maxBodyBytes})`);
  const rate = t.child("rateLimit");
  rate?.rejectUnknownKeys(["requests", "window"]);
  return {
    publicUrl: t.url("publicUrl"),
    maxBodyBytes,
    maxBodyBytesInFlight,
    headersTimeoutMs: t.duration("headersTimeout", "10s"),
    bodyTimeoutMs: t.duration("bodyTimeout", "30s"),
    forwardTimeoutMs: t.duration("forwardTimeout", "10s"),
    lateAnswerWindowMs: t.duration("lateAnswerWindow", "60s"),
    drainConcurrency: t.integer("drainConcurrency", 4, 1),
    apiTokens: t.stringList("apiTokens").map((token) => new Secret(token)),
    vcsTokens: t.stringList("vcsTokens").map((token) => new Secret(token)),
    adminTokens: t.stringList("adminTokens").map((token) => new Secret(token)),
    store: t.string("store") ?? "sqlite:./data/gateway.db",
    storeTimeoutMs: t.duration("storeTimeout", "2s"),
    routeCacheTtlMs: t.duration("routeCacheTtl", "30s"),
    routeCacheSize: t.integer("routeCacheSize", 10_000, 1),
    branchDeletionDelayMs: t.duration("branchDeletionDelay", "24h"),
    sweepIntervalMs: t.duration("sweepInterval", "1m"),
    cdsApiCallsPerSecond: t.integer("cdsApiCallsPerSecond", 10, 1),
    trustedProxies: readTrustedProxies(t),
    rateLimit: {
      requests: rate?.integer("requests", 0) ?? 0,
      windowMs: rate?.duration("window", "1m") ?? 60_000,
    },
  };
}

/** Addresses or CIDR ranges whose X-Forwarded-* the relay keeps (issue #11); checked here, matched by the relay. */
function readTrustedProxies(t: TableReader): string[] {
  const list = t.stringList("trustedProxies");
  list.forEach((text, i) => {
    if (!parseIpRange(text)) t.issue(`trustedProxies[${i}]`, "must be an IP address or a CIDR range, such as 10.0.0.0/8 or 2001:db8::/32");
  });
  return list;
}

function readCdsInstances(gateway: TableReader): Record<string, CdsInstanceConfig> {
  const out: Record<string, CdsInstanceConfig> = {};
  const cdsTable = gateway.child("cds");
  if (!cdsTable) return out;
  for (const name of Object.keys(cdsTable.table)) {
    const t = cdsTable.child(name);
    if (!t) continue;
    t.rejectUnknownKeys(CDS_KEYS);
    const hooksUrl = t.url("hooksUrl");
    if (t.table.hooksUrl === undefined || t.table.hooksUrl === "") t.issue("hooksUrl", "is required");
    const apiUrl = t.url("apiUrl");
    const uiUrl = t.url("uiUrl") ?? originOf(apiUrl ?? hooksUrl);
    const token = t.string("token");
    const vcsUrl = t.url("vcsUrl");
    const apiPublicKey = t.string("apiPublicKey");
    if (hooksUrl === undefined) continue;
    out[name] = {
      name,
      hooksUrl,
      apiUrl,
      uiUrl: uiUrl ?? hooksUrl,
      token: token === undefined ? undefined : new Secret(token),
      vcsUrl,
      apiPublicKey,
    };
  }
  return out;
}

/**
 * The `[vcs.servers.NAME]` tables with a `bitbucket` table. CDS reads them
 * with viper, which matches keys without regard to case and lower-cases the
 * server names (docs/cds-behaviour.md#its-configuration-loader): so does the
 * gateway here, from `vcs` down, keeping each name as the file writes it.
 */
function readBitbucketServers(root: TableReader, gateway: GatewaySettings): Record<string, BitbucketServerConfig> {
  const out: Record<string, BitbucketServerConfig> = {};
  const servers = root.ignoringCase().child("vcs")?.child("servers");
  if (!servers) return out;
  for (const name of Object.keys(servers.table)) {
    // Servers of other kinds (github, gitlab…) are CDS's business, not ours.
    if (!isTable(servers.table[name])) continue;
    const server = servers.child(name)!;
    if (server.value("bitbucket") === undefined) continue;
    const bb = server.child("bitbucket");
    if (!bb) continue;
    bb.rejectUnknownKeys(BITBUCKET_KEYS, STALE_BITBUCKET_KEYS);
    const url = server.url("url");
    if (server.value("url") === undefined || server.value("url") === "") server.issue("url", "is required");
    const status = bb.child("Status");
    status?.rejectUnknownKeys(["disable", "showDetail"]);
    const proxyWebhook = bb.string("proxyWebhook");
    const privateKey = bb.string("privateKey");
    const accessToken = bb.string("accessToken");
    const token = bb.string("token");
    out[name] = {
      name,
      url: url ?? "",
      consumerKey: bb.string("consumerKey") ?? "CDS",
      privateKey: privateKey === undefined ? undefined : new Secret(privateKey),
      accessToken: accessToken === undefined ? undefined : new Secret(accessToken),
      disablePolling: bb.boolean("disablePolling", false),
      disableWebHooks: bb.boolean("disableWebHooks", false),
      proxyWebhook,
      prefix: prefixOf(bb, proxyWebhook, gateway.publicUrl),
      token: token === undefined ? undefined : new Secret(token),
      username: bb.string("username"),
      webhookSecrets: bb.stringList("webhookSecret").map((s) => new Secret(s)),
      unsignedBranchDeletions: bb.boolean("unsignedBranchDeletions", false),
      status: {
        disable: status?.boolean("disable", false) ?? false,
        showDetail: status?.boolean("showDetail", true) ?? true,
      },
      paths: {
        server: server.path,
        bitbucket: bb.path,
        keys: Object.fromEntries(BITBUCKET_KEYS.map((key) => [key, bb.keyPath(key)])),
      },
    };
  }
  return out;
}

/** The path part of proxyWebhook (else of publicUrl) without trailing slash: "" or "/bb". */
function prefixOf(bb: TableReader, proxyWebhook: string | undefined, publicUrl: string | undefined): string {
  const base = proxyWebhook ?? publicUrl;
  if (base === undefined) return "";
  // CDS itself rejects a proxyWebhook without a scheme (engine/vcs/types.go check()).
  if (!base.includes("://")) {
    bb.issue("proxyWebhook", "must be an absolute URL such as https://myproxy.com or https://myproxy.com/bb");
    return "";
  }
  try {
    return new URL(base).pathname.replace(/\/+$/, "");
  } catch {
    bb.issue("proxyWebhook", "must be an absolute URL");
    return "";
  }
}

/**
 * Two Bitbucket servers may share one prefix (servers without proxyWebhook
 * share publicUrl's; CDS 0.40–0.50 put all of them under hooks urlPublic) only if
 * they agree on what the relay enforces there: otherwise it could not tell
 * which server's `disableWebHooks` or secrets apply to a webhook.
 */
function checkSharedPrefixes(servers: Record<string, BitbucketServerConfig>, issues: ConfigIssue[]): void {
  const byPrefix = new Map<string, BitbucketServerConfig>();
  for (const server of Object.values(servers)) {
    const first = byPrefix.get(server.prefix);
    if (!first) {
      byPrefix.set(server.prefix, server);
      continue;
    }
    const secrets = (s: BitbucketServerConfig) =>
      s.webhookSecrets
        .map((x) => x.reveal())
        .sort()
        .join("\n");
    if (first.disableWebHooks !== server.disableWebHooks || secrets(first) !== secrets(server)) {
      issues.push({
        path: bitbucketKeyPath(server, "proxyWebhook"),
        message: `shares the webhook path "${server.prefix || "/"}" with ${bitbucketKeyPath(first)} but not its disableWebHooks and webhookSecret settings; give each server its own proxyWebhook path`,
      });
    }
  }
}

async function checkPrivateKeys(servers: Record<string, BitbucketServerConfig>, issues: ConfigIssue[]): Promise<void> {
  await Promise.all(
    Object.values(servers).map(async (server) => {
      if (!server.privateKey) return;
      try {
        await importRsaPrivateKey(server.privateKey.reveal());
      } catch (error) {
        const message = error instanceof Error ? error.message : "not a usable RSA private key";
        issues.push({ path: bitbucketKeyPath(server, "privateKey"), message });
      }
    }),
  );
}

async function checkApiPublicKeys(instances: Record<string, CdsInstanceConfig>, issues: ConfigIssue[]): Promise<void> {
  await Promise.all(
    Object.values(instances).map(async (instance) => {
      if (instance.apiPublicKey === undefined) return;
      try {
        await importRsaPublicKey(instance.apiPublicKey);
      } catch (error) {
        const message = error instanceof Error ? error.message : "not a usable RSA public key";
        issues.push({ path: `gateway.cds.${instance.name}.apiPublicKey`, message });
      }
    }),
  );
}

function originOf(url: string | undefined): string | undefined {
  return url === undefined ? undefined : new URL(url).origin;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
