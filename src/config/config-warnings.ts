import { bitbucketKeyPath } from "./bitbucket-key-path.ts";
import type { ConfigIssue } from "./config-error.ts";
import type { GatewayConfig } from "../core/config-types.ts";

/**
 * What is allowed but weakens the gateway, by TOML key path; `check-config`
 * prints these as warnings and `serve` logs them, neither refuses to run.
 *
 * Servers that verify signatures next to servers that do not (issue #11): a
 * UUID is bound to the first server path its webhooks come through, so an
 * unsigned path cannot reach a signed server's webhooks once they were seen;
 * before that, or for UUIDs of the unsigned server, anyone who knows a UUID
 * can send it webhooks there.
 */
export function configWarnings(config: GatewayConfig): ConfigIssue[] {
  return [...noCdsInstance(config), ...unsignedBesideSigned(config), ...twoLeggedOAuth(config), ...shortLateAnswerWindow(config)];
}

/** Below a minute (issue #12, finding 2), a CDS slower than that gets the webhook again from the next attempt. */
export const ADVISED_LATE_ANSWER_WINDOW_MS = 60_000;

function shortLateAnswerWindow(config: GatewayConfig): ConfigIssue[] {
  if (config.gateway.lateAnswerWindowMs >= ADVISED_LATE_ANSWER_WINDOW_MS) return [];
  return [
    {
      path: "gateway.lateAnswerWindow",
      message:
        "shorter than 60s: a CDS that answers later than forwardTimeout + lateAnswerWindow is sent the webhook again by the next attempt (a second workflow run)",
    },
  ];
}

/** Enough for the commands that only talk to Bitbucket (issue #14); `serve` refuses such a file. */
function noCdsInstance(config: GatewayConfig): ConfigIssue[] {
  if (Object.keys(config.cds).length > 0) return [];
  return [
    {
      path: "gateway.cds",
      message: "no CDS instance ([gateway.cds.NAME] with hooksUrl): enough for bitbucket, oauth link and webhooks secure; serve needs one",
    },
  ];
}

function unsignedBesideSigned(config: GatewayConfig): ConfigIssue[] {
  const servers = Object.values(config.servers).filter((s) => !s.disableWebHooks);
  const signed = servers.filter((s) => s.webhookSecrets.length > 0);
  if (signed.length === 0) return [];
  return servers
    .filter((s) => s.webhookSecrets.length === 0)
    .map((s) => ({
      path: bitbucketKeyPath(s, "webhookSecret"),
      message: `not set, while ${bitbucketKeyPath(signed[0]!)} verifies signatures: webhooks on ${s.prefix || "/"} are accepted unsigned (a UUID first seen on a signed path is refused there)`,
    }));
}

/**
 * `privateKey` without `accessToken` (issue #14): the gateway's own OAuth
 * calls go 2-legged, without `oauth_token`, and an application link set up as
 * CDS documents it does not allow 2-legged OAuth, so Bitbucket refuses them.
 * CDS's own signed calls bring their token (issue #10), hence a warning only.
 */
function twoLeggedOAuth(config: GatewayConfig): ConfigIssue[] {
  return Object.values(config.servers)
    .filter((s) => s.privateKey !== undefined && s.accessToken === undefined)
    .map((s) => ({
      path: bitbucketKeyPath(s, "accessToken"),
      message:
        "not set, while privateKey is: the gateway's own calls to this server (build statuses on the bearer routes, the commands) are signed 2-legged, without oauth_token, " +
        "which an application link without 2-legged OAuth (CDS's documented set-up) refuses; get one with `cds-gateway oauth link` (CDS's own signed calls bring theirs)",
    }));
}
