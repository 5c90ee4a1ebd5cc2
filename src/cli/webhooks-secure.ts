import { createBitbucketClient } from "../bitbucket/bitbucket-client.ts";
import type { Webhook } from "../bitbucket/bitbucket-types.ts";
import { bitbucketKeyPath } from "../config/bitbucket-key-path.ts";
import { redactUrl } from "../config/redact-url.ts";
import { GatewayError } from "../core/gateway-error.ts";
import type { CliArgs, CliIo, CommandSpec } from "./cli-io.ts";
import { loadBitbucketServer } from "./load-bitbucket-server.ts";
import { flagValue } from "./flag-value.ts";

const USAGE = "cds-gateway webhooks secure --config FILE --server NAME --project KEY [--repo SLUG] [--dry-run]";

/** The command line of this command (parsed strictly by the runtime). */
export const WEBHOOKS_SECURE_COMMAND: CommandSpec = {
  usage: USAGE,
  options: {
    config: { type: "string" },
    server: { type: "string" },
    project: { type: "string" },
    repo: { type: "string" },
    "dry-run": { type: "boolean" },
  },
};

/**
 * `webhooks secure`: CDS creates Bitbucket webhooks without a secret
 * (docs/cds-behaviour.md#webhooks-and-the-hooks-service). This finds the repository webhooks whose URL
 * starts with the server's `proxyWebhook` and sets `configuration.secret` to
 * the first `webhookSecret` — a read-modify-write of the whole webhook, since
 * Bitbucket's PUT replaces it. Bitbucket never returns a secret, so every
 * matching webhook is written; `--dry-run` only lists them.
 */
export async function runWebhooksSecure(args: CliArgs, io: CliIo): Promise<number> {
  const project = flagValue(args, "project");
  if (!project) {
    io.stderr(`--project KEY is required (usage: ${USAGE})\n`);
    return 2;
  }
  const loaded = await loadBitbucketServer(args, io, USAGE);
  if ("exitCode" in loaded) return loaded.exitCode;
  const { server } = loaded;
  const secret = server.webhookSecrets[0];
  if (!secret) {
    io.stderr(`${bitbucketKeyPath(server, "webhookSecret")} is not set: nothing to put on the webhooks\n`);
    return 2;
  }
  if (!server.proxyWebhook) {
    io.stderr(`${bitbucketKeyPath(server, "proxyWebhook")} is not set: cannot tell which webhooks go through the gateway\n`);
    return 2;
  }
  const dryRun = args.flags["dry-run"] === true;
  const prefix = `${server.proxyWebhook.replace(/\/+$/, "")}/`;
  const client = createBitbucketClient({ server, fetch: io.fetch, clock: io.clock });
  try {
    const repo = flagValue(args, "repo");
    const repos = repo ? [repo] : (await client.listRepositories(project)).map((r) => r.slug);
    let changed = 0;
    for (const slug of repos) {
      for (const hook of await client.listWebhooks(project, slug)) {
        if (!hook.url.startsWith(prefix) || hook.id === undefined) continue;
        const updated: Webhook = { ...hook, configuration: { ...hook.configuration, secret: secret.reveal() } };
        if (!dryRun) await client.updateWebhook(project, slug, hook.id, updated);
        io.stdout(`${project}/${slug} webhook #${hook.id} ${redactUrl(hook.url)}: ${dryRun ? "would set" : "set"} configuration.secret\n`);
        changed++;
      }
    }
    io.stdout(
      changed === 0
        ? `no webhook under ${redactUrl(prefix)} in ${project}${repo ? `/${repo}` : ""}\n`
        : `${changed} webhook(s) ${dryRun ? "would be" : ""} secured\n`.replace("  ", " "),
    );
    return 0;
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    io.stderr(`${error.message}\n`);
    return 1;
  }
}
