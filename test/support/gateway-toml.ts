import { stringify } from "smol-toml";

/**
 * `[gateway]` as the tests write it (docs/configuration.md): durations as
 * text ("10s"), secrets as values or `env:NAME`.
 */
export interface GatewaySection {
  publicUrl?: string;
  store?: string;
  /** A token list, or one token (the loader takes either). */
  apiTokens?: string | string[];
  vcsTokens?: string | string[];
  adminTokens?: string | string[];
  maxBodyBytes?: number;
  maxBodyBytesInFlight?: number;
  headersTimeout?: string;
  bodyTimeout?: string;
  forwardTimeout?: string;
  lateAnswerWindow?: string;
  drainConcurrency?: number;
  storeTimeout?: string;
  routeCacheTtl?: string;
  routeCacheSize?: number;
  branchDeletionDelay?: string;
  sweepInterval?: string;
  cdsApiCallsPerSecond?: number;
  trustedProxies?: string[];
  rateLimit?: { requests: number; window?: string };
}

/** One `[gateway.cds.NAME]`. */
export interface CdsSection {
  hooksUrl: string;
  apiUrl?: string;
  uiUrl?: string;
  token?: string;
  vcsUrl?: string;
  apiPublicKey?: string;
}

/** One `[vcs.servers.NAME]` with its `bitbucket` table. */
export interface ServerSection {
  url: string;
  bitbucket?: {
    consumerKey?: string;
    privateKey?: string;
    accessToken?: string;
    proxyWebhook?: string;
    token?: string;
    username?: string;
    webhookSecret?: string | string[];
    disablePolling?: boolean;
    disableWebHooks?: boolean;
    unsignedBranchDeletions?: boolean;
    status?: { disable?: boolean; showDetail?: boolean };
  };
}

export interface GatewayToml {
  gateway?: GatewaySection;
  /** The CDS instances, by table name, in order. */
  cds?: Record<string, CdsSection>;
  /** The Bitbucket servers, by table name, in order. */
  servers?: Record<string, ServerSection>;
}

/**
 * The configuration file of a gateway with these CDS instances and Bitbucket
 * servers (issue #15: one builder instead of TOML written out in each test),
 * written by smol-toml, the parser the gateway reads it with.
 */
export function gatewayToml(config: GatewayToml): string {
  const gateway = { ...config.gateway, ...(config.cds !== undefined ? { cds: config.cds } : {}) };
  return stringify({
    ...(Object.keys(gateway).length > 0 ? { gateway } : {}),
    ...(config.servers !== undefined ? { vcs: { servers: config.servers } } : {}),
  });
}
