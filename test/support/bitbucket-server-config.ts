import type { BitbucketServerConfig, GatewayConfig } from "../../src/core/config-types.ts";
import { Secret } from "../../src/core/secret.ts";

/**
 * A BitbucketServerConfig for tests, as the configuration loader would build
 * it; plain strings given for secrets are wrapped in Secret.
 */
export function bitbucketServerConfig(
  overrides: Partial<Omit<BitbucketServerConfig, "token" | "privateKey" | "accessToken">> & {
    token?: string;
    privateKey?: string;
    accessToken?: string;
  } = {},
): BitbucketServerConfig {
  const { token, privateKey, accessToken, ...rest } = overrides;
  return {
    name: "Bitbucket",
    url: "http://127.0.0.1:1",
    consumerKey: "CDS",
    disablePolling: false,
    disableWebHooks: false,
    prefix: "",
    webhookSecrets: [],
    unsignedBranchDeletions: false,
    status: { disable: false, showDetail: true },
    ...rest,
    ...(token !== undefined ? { token: new Secret(token) } : {}),
    ...(privateKey !== undefined ? { privateKey: new Secret(privateKey) } : {}),
    ...(accessToken !== undefined ? { accessToken: new Secret(accessToken) } : {}),
  };
}

/** A GatewayConfig holding only these Bitbucket servers (keyed by their name), with default gateway settings. */
export function gatewayConfigWithServers(...servers: BitbucketServerConfig[]): GatewayConfig {
  return {
    gateway: {
      maxBodyBytes: 10 * 1024 * 1024,
      maxBodyBytesInFlight: 64 * 1024 * 1024,
      headersTimeoutMs: 10_000,
      bodyTimeoutMs: 30_000,
      forwardTimeoutMs: 10_000,
      lateAnswerWindowMs: 60_000,
      drainConcurrency: 4,
      apiTokens: [],
      vcsTokens: [],
      adminTokens: [],
      store: "memory",
      storeTimeoutMs: 2_000,
      routeCacheTtlMs: 30_000,
      routeCacheSize: 10_000,
      branchDeletionDelayMs: 24 * 3_600_000,
      sweepIntervalMs: 60_000,
      cdsApiCallsPerSecond: 10,
      trustedProxies: [],
      rateLimit: { requests: 0, windowMs: 60_000 },
    },
    cds: {},
    servers: Object.fromEntries(servers.map((s) => [s.name, s])),
  };
}
