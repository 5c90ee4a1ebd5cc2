import type { GatewayConfig } from "../core/config-types.ts";
import { redactUrl } from "./redact-url.ts";

const set = (v: unknown) => (v === undefined ? "not set" : "set");
const ms = (n: number) =>
  n % 86_400_000 === 0
    ? `${n / 86_400_000}d`
    : n % 3_600_000 === 0
      ? `${n / 3_600_000}h`
      : n % 60_000 === 0
        ? `${n / 60_000}m`
        : n % 1000 === 0
          ? `${n / 1000}s`
          : `${n}ms`;

/**
 * A human summary of a loaded configuration for `check-config`. Secrets are
 * shown as "set" / "not set" or counted, never printed; so are credentials
 * written into URLs (redactUrl).
 */
export function summarizeConfig(config: GatewayConfig): string {
  const g = config.gateway;
  const lines = [
    "configuration OK",
    "",
    "[gateway]",
    `  publicUrl           ${g.publicUrl === undefined ? "not set" : redactUrl(g.publicUrl)}`,
    `  maxBodyBytes        ${g.maxBodyBytes}`,
    `  maxBodyBytesInFlight ${g.maxBodyBytesInFlight}`,
    `  headersTimeout      ${ms(g.headersTimeoutMs)}`,
    `  bodyTimeout         ${ms(g.bodyTimeoutMs)}`,
    `  forwardTimeout      ${ms(g.forwardTimeoutMs)}`,
    `  lateAnswerWindow    ${ms(g.lateAnswerWindowMs)} (CDS's answer still awaited after forwardTimeout)`,
    `  drainConcurrency    ${g.drainConcurrency} (queued deliveries sent at once when an instance is back)`,
    `  apiTokens           ${g.apiTokens.length} configured (/vcs/* and /-/*)`,
    `  vcsTokens           ${g.vcsTokens.length} configured (/vcs/* only)`,
    `  adminTokens         ${g.adminTokens.length} configured (/-/* only)`,
    `  store               ${redactUrl(g.store)}`,
    `  storeTimeout        ${ms(g.storeTimeoutMs)}`,
    `  routeCacheTtl       ${ms(g.routeCacheTtlMs)}`,
    `  routeCacheSize      ${g.routeCacheSize} routes`,
    `  branchDeletionDelay ${ms(g.branchDeletionDelayMs)}`,
    `  sweepInterval       ${ms(g.sweepIntervalMs)}`,
    `  cdsApiCallsPerSecond ${g.cdsApiCallsPerSecond} per CDS instance`,
    `  trustedProxies      ${g.trustedProxies.length > 0 ? g.trustedProxies.join(", ") : "none (X-Forwarded-* are rebuilt)"}`,
    `  rateLimit           ${g.rateLimit.requests > 0 ? `${g.rateLimit.requests} per ${ms(g.rateLimit.windowMs)} per client IP` : "off"}`,
  ];
  for (const cds of Object.values(config.cds)) {
    const hooksUrl = redactUrl(cds.hooksUrl);
    lines.push(
      "",
      `[gateway.cds.${cds.name}]`,
      `  hooksUrl  ${hooksUrl}  (webhooks go to ${hooksUrl}/webhook/<uuid>)`,
      `  apiUrl    ${cds.apiUrl === undefined ? "not set" : redactUrl(cds.apiUrl)}`,
      `  uiUrl     ${redactUrl(cds.uiUrl)}`,
      `  token     ${set(cds.token)}`,
      `  vcsUrl    ${cds.vcsUrl ?? "not set"}`,
      `  apiPublicKey ${cds.apiPublicKey !== undefined ? "set" : cds.apiUrl && cds.token ? "read from the signin answer" : "not set"}`,
    );
    if (!cds.apiUrl || !cds.token) lines.push("  note: without apiUrl and token this instance gets no branch deletions");
  }
  for (const s of Object.values(config.servers)) {
    // Per call, as CDS did (issue #14): OAuth when there is a private key, the token for comments.
    const oauth = s.privateKey ? (s.accessToken ? "OAuth 1.0a RSA-SHA1 (3-legged)" : "OAuth 1.0a RSA-SHA1 (2-legged)") : undefined;
    const auth = oauth && s.token ? `${oauth}; comments: bearer token` : (oauth ?? (s.token ? "bearer token" : "none"));
    lines.push(
      "",
      `[vcs.servers.${s.name}]  ${redactUrl(s.url)}`,
      `  webhook path     ${s.prefix || ""}/<uuid>${s.disableWebHooks ? "  (disabled: 403)" : ""}`,
      `  webhookSecret    ${s.webhookSecrets.length} configured`,
      `  branch deletions ${s.webhookSecrets.length > 0 ? "from signed webhooks" : s.unsignedBranchDeletions ? "from unsigned webhooks too (unsignedBranchDeletions)" : "none (no webhookSecret)"}`,
      `  auth             ${auth}`,
      `  consumerKey      ${s.consumerKey}`,
      `  privateKey       ${set(s.privateKey)}`,
      `  accessToken      ${set(s.accessToken)}`,
      `  token            ${set(s.token)}`,
      `  Status           ${s.status.disable ? "disabled" : `enabled, showDetail = ${s.status.showDetail}`}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
