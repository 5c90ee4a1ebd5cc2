import type { Secret } from "./secret.ts";

/** One CDS instance, from `[gateway.cds.NAME]`. */
export interface CdsInstanceConfig {
  readonly name: string;
  /** Webhooks go to `{hooksUrl}/webhook/{uuid}`; no trailing slash. */
  readonly hooksUrl: string;
  /** CDS API base URL (branch deletions); no trailing slash. */
  readonly apiUrl?: string;
  /** Base of links in build statuses; no trailing slash. */
  readonly uiUrl: string;
  /** CDS builtin consumer token (signin → session JWT). */
  readonly token?: Secret;
  /** CDS's vcs µservice, where the signed calls the gateway does not answer itself go (issue #10); no trailing slash. */
  readonly vcsUrl?: string;
  /** The API's RSA public key (PEM, or the base64 of one), checking its signed calls; else read at signin. */
  readonly apiPublicKey?: string;
}

export interface StatusConfig {
  readonly disable: boolean;
  readonly showDetail: boolean;
}

/** One Bitbucket server, from `[vcs.servers.NAME]` with a `bitbucket` sub-table. */
export interface BitbucketServerConfig {
  readonly name: string;
  /** Bitbucket base URL, no trailing slash. */
  readonly url: string;
  readonly consumerKey: string;
  /** Usable RSA private key PEM (PKCS#8 or PKCS#1), checked at load time. */
  readonly privateKey?: Secret;
  /** OAuth 1.0a access token (gateway extension); without it requests are 2-legged. */
  readonly accessToken?: Secret;
  readonly disablePolling: boolean;
  readonly disableWebHooks: boolean;
  readonly proxyWebhook?: string;
  /** Path prefix on the gateway ("" or "/bb"), derived from proxyWebhook / publicUrl. */
  readonly prefix: string;
  /** HTTP access token, sent as Bearer. */
  readonly token?: Secret;
  readonly username?: string;
  /** Secrets accepted for `X-Hub-Signature` (several during a rotation); the first is the one to set. */
  readonly webhookSecrets: readonly Secret[];
  /**
   * Record branch deletions from this server's webhooks even when no
   * signature was verified (issue #11): anyone who can reach the gateway
   * and knows a UUID can then have a branch's CDS runs removed.
   */
  readonly unsignedBranchDeletions: boolean;
  readonly status: StatusConfig;
  /**
   * Key paths as the file writes them (issue #14: keys are read without
   * regard to case): the server's table, its `bitbucket` table and each key
   * present there. Read through bitbucketKeyPath.
   */
  readonly paths?: { readonly server: string; readonly bitbucket: string; readonly keys: Readonly<Record<string, string>> };
}

export interface RateLimitConfig {
  /** Requests allowed per client IP per window; 0 disables the limit. */
  readonly requests: number;
  readonly windowMs: number;
}

export interface GatewaySettings {
  readonly publicUrl?: string;
  readonly maxBodyBytes: number;
  /** Webhook body bytes held in memory across requests in progress, per process (issue #11); over it: 503. */
  readonly maxBodyBytesInFlight: number;
  /** Node: the request headers must arrive within this (issue #11). */
  readonly headersTimeoutMs: number;
  /** The whole webhook body must arrive within this once reading started: a total, not an idle timeout. */
  readonly bodyTimeoutMs: number;
  /** How long the relay waits for CDS's answer before answering Bitbucket 202 queued, and the sweep before it moves on. */
  readonly forwardTimeoutMs: number;
  /**
   * How long an attempt still listens for CDS's answer after forwardTimeout
   * (issue #12, finding 2): no other attempt of the delivery starts meanwhile,
   * and a late success ends it.
   */
  readonly lateAnswerWindowMs: number;
  /** Queued deliveries of an instance that accepts again attempted at once, per process (issue #12, finding 6). */
  readonly drainConcurrency: number;
  /** Bearer tokens for both `/vcs/*` and `/-/*`. */
  readonly apiTokens: readonly Secret[];
  /** Bearer tokens for `/vcs/*` only: what CDS or a script posting statuses holds (issue #11). */
  readonly vcsTokens: readonly Secret[];
  /** Bearer tokens for `/-/*` only: the operators' API and page. */
  readonly adminTokens: readonly Secret[];
  /** `sqlite:PATH`, `redis://…`, or `memory` (Node only). */
  readonly store: string;
  /** Longest wait for one store call: Redis connect and command timeouts, SQLite's busy timeout, `/healthz` (issue #12). */
  readonly storeTimeoutMs: number;
  /** How long a route held in memory is used before it is read from the store again (issue #12). */
  readonly routeCacheTtlMs: number;
  /** Routes held in memory at most, per process; the least recently used go first. */
  readonly routeCacheSize: number;
  readonly branchDeletionDelayMs: number;
  readonly sweepIntervalMs: number;
  /** Calls per second to the API of each CDS instance (signin, DELETE runs), per process (issue #11). */
  readonly cdsApiCallsPerSecond: number;
  /** Peers (addresses or CIDR ranges) whose X-Forwarded-* headers are kept; from others they are rebuilt. */
  readonly trustedProxies: readonly string[];
  readonly rateLimit: RateLimitConfig;
}

export interface GatewayConfig {
  readonly gateway: GatewaySettings;
  readonly cds: Readonly<Record<string, CdsInstanceConfig>>;
  readonly servers: Readonly<Record<string, BitbucketServerConfig>>;
}
