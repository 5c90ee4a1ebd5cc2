import { stringify } from "smol-toml";
import { GatewayError } from "../core/gateway-error.ts";
import { bitbucketKeyPath } from "../config/bitbucket-key-path.ts";
import type { BitbucketServerConfig } from "../core/config-types.ts";
import { OAuth1Signer, type OAuth1SignInput } from "../oauth1/oauth1-signer.ts";
import { parseAuthorizationHeader } from "../oauth1/parse-authorization-header.ts";
import { percentEncode } from "../oauth1/percent-encode.ts";
import type { CliArgs, CliIo, CommandSpec } from "./cli-io.ts";
import { loadBitbucketServer } from "./load-bitbucket-server.ts";

const USAGE = "cds-gateway oauth link --config FILE --server NAME";

/** The command line of this command (parsed strictly by the runtime). */
export const OAUTH_LINK_COMMAND: CommandSpec = { usage: USAGE, options: { config: { type: "string" }, server: { type: "string" } } };
const TIMEOUT_MS = 30_000;

/** What the common `oauth_problem` values (OAuth Problem Reporting extension) usually mean with an application link. */
const PROBLEM_HINTS: Record<string, string> = {
  consumer_key_unknown:
    "Bitbucket does not know this consumerKey: it must be the Consumer Key of the application link's incoming authentication",
  signature_invalid: "the signature does not verify: the public key in the application link must match privateKey",
  signature_method_rejected: "the application link does not accept RSA-SHA1",
  timestamp_refused: "the timestamp was refused: check this machine's clock",
  nonce_used: "the nonce was already used: try again",
  token_rejected: "the token was rejected (expired or already used): run the command again",
  token_expired: "the token expired: run the command again",
  permission_denied: "access was denied on the authorization page",
  permission_unknown: "the request token was not authorized yet: open the URL and allow access first",
};

/**
 * `oauth link --config FILE --server NAME`: the three steps of an OAuth 1.0a
 * application link (RFC 5849 §2) with callback `oob`:
 *
 * 1. POST `{url}/plugins/servlet/oauth/request-token` signed with
 *    oauth_callback=oob (§2.1) → a temporary token;
 * 2. the operator opens `{url}/plugins/servlet/oauth/authorize?oauth_token=…`
 *    (§2.2), allows access and types the verifier shown by Bitbucket;
 * 3. POST `{url}/plugins/servlet/oauth/access-token` signed with the
 *    temporary token and oauth_verifier (§2.3) → the access token.
 *
 * The access token is printed with the TOML line to configure it: the
 * operator runs this command to get exactly that. Exit 0 on success, 1 when
 * Bitbucket refuses (the `oauth_problem` is named), 2 on usage errors.
 */
export async function runOauthLink(args: CliArgs, io: CliIo): Promise<number> {
  const loaded = await loadBitbucketServer(args, io, USAGE);
  if ("exitCode" in loaded) return loaded.exitCode;
  const { server } = loaded;
  if (!server.privateKey || server.privateKey.reveal() === "" || !server.consumerKey) {
    io.stderr(`server "${server.name}" needs consumerKey and privateKey for an OAuth link (see cds-gateway keygen)\n`);
    return 1;
  }
  const signer = new OAuth1Signer({ consumerKey: server.consumerKey, privateKey: server.privateKey, clock: io.clock });

  try {
    const temporary = await tokenRequest(io, signer, server, "request-token", { extraOauthParams: { oauth_callback: "oob" } });
    const authorizeUrl = `${server.url}/plugins/servlet/oauth/authorize?oauth_token=${percentEncode(temporary)}`;
    io.stdout(
      `Open this URL in a browser, log in as the Bitbucket user the gateway should act as, and allow access:\n\n` +
        `  ${authorizeUrl}\n\n` +
        `Bitbucket then shows a verification code.\n`,
    );
    const verifier = (await io.readLine("verification code: "))?.trim();
    if (!verifier) {
      io.stderr("no verification code given; nothing was linked\n");
      return 1;
    }
    const access = await tokenRequest(io, signer, server, "access-token", {
      token: temporary,
      extraOauthParams: { oauth_verifier: verifier },
    });
    io.stdout(
      `\nAccess token: ${access}\n\n` +
        `Add it to [${bitbucketKeyPath(server, "")}], preferably through an environment variable\n` +
        `(accessToken = "env:BB_OAUTH_TOKEN"), or literally:\n\n` +
        stringify({ accessToken: access }).trimEnd() +
        "\n",
    );
    return 0;
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** One signed token request; returns `oauth_token` from the form-encoded answer. */
async function tokenRequest(
  io: CliIo,
  signer: OAuth1Signer,
  server: BitbucketServerConfig,
  step: "request-token" | "access-token",
  sign: Pick<OAuth1SignInput, "token" | "extraOauthParams">,
): Promise<string> {
  const url = `${server.url}/plugins/servlet/oauth/${step}`;
  const authorization = await signer.sign({ method: "POST", url, ...sign });
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  let response: Response;
  let text: string;
  try {
    response = await io.fetch(url, { method: "POST", headers: { Authorization: authorization }, signal, redirect: "manual" });
    text = await response.text();
  } catch (error) {
    const why = signal.aborted ? `no answer within ${TIMEOUT_MS / 1000} s` : error instanceof Error ? error.message : String(error);
    throw new GatewayError("ERR_OAUTH_LINK", `${step}: cannot reach ${url}: ${why}`);
  }

  // §2.1/§2.3: answers are application/x-www-form-urlencoded. Problems come
  // in the body or in WWW-Authenticate (OAuth Problem Reporting extension).
  const form = new URLSearchParams(text.trim());
  const challenge = parseAuthorizationHeader(response.headers.get("www-authenticate") ?? "");
  const problem = form.get("oauth_problem") ?? challenge?.find(([name]) => name === "oauth_problem")?.[1];
  if (problem) {
    const hint = PROBLEM_HINTS[problem];
    throw new GatewayError(
      "ERR_OAUTH_LINK",
      `${step}: Bitbucket refused (HTTP ${response.status}): oauth_problem=${problem}${hint ? ` — ${hint}` : ""}`,
    );
  }
  if (!response.ok) {
    throw new GatewayError("ERR_OAUTH_LINK", `${step}: Bitbucket answered HTTP ${response.status} ${response.statusText}`.trimEnd());
  }
  const token = form.get("oauth_token");
  if (!token) throw new GatewayError("ERR_OAUTH_LINK", `${step}: Bitbucket's answer has no oauth_token`);
  return token;
}
