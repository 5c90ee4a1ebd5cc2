import type { CliArgs, CommandSpec } from "../../../cli/cli-io.ts";
import { CHECK_CONFIG_COMMAND, runCheckConfig } from "../../../cli/check-config.ts";
import { GatewayError } from "../../../core/gateway-error.ts";
import { nodeCliIo } from "../node-cli-io.ts";
import { parseCommandLine } from "./parse-command-line.ts";
import { runServe, SERVE_COMMAND } from "./serve-command.ts";

const USAGE = `usage: cds-gateway <command> [options]

commands:
  serve [--config FILE] [--port N]          run the gateway (default command)
  check-config --config FILE                validate a configuration, print a redacted summary
  keygen [--bits 2048] [--out key.pem]      make an RSA key pair for Bitbucket's application link
  oauth link --config FILE --server NAME    obtain an OAuth 1.0a access token from Bitbucket
  bitbucket --config FILE --server NAME METHOD PATH [--data JSON]
                                            one signed call to Bitbucket's REST API
  webhooks secure --config FILE --server NAME --project KEY [--repo SLUG] [--dry-run]
                                            set webhookSecret on the webhooks CDS created
`;

/** A command: its command line, and what runs once that was parsed (loaded on demand). */
interface Command {
  /** `oauth link`, `webhooks secure`: the word after the command name. */
  sub?: string;
  load(): Promise<{ spec: CommandSpec; run(args: CliArgs): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  serve: { load: async () => ({ spec: SERVE_COMMAND, run: runServe }) },
  "check-config": { load: async () => ({ spec: CHECK_CONFIG_COMMAND, run: (args) => runCheckConfig(args, nodeCliIo()) }) },
  keygen: {
    load: async () => {
      const m = await import("../../../cli/keygen.ts");
      return { spec: m.KEYGEN_COMMAND, run: (args) => m.runKeygen(args, nodeCliIo()) };
    },
  },
  oauth: {
    sub: "link",
    load: async () => {
      const m = await import("../../../cli/oauth-link.ts");
      return { spec: m.OAUTH_LINK_COMMAND, run: (args) => m.runOauthLink(args, nodeCliIo()) };
    },
  },
  webhooks: {
    sub: "secure",
    load: async () => {
      const m = await import("../../../cli/webhooks-secure.ts");
      return { spec: m.WEBHOOKS_SECURE_COMMAND, run: (args) => m.runWebhooksSecure(args, nodeCliIo()) };
    },
  },
  bitbucket: {
    load: async () => {
      const m = await import("../../../cli/bitbucket-command.ts");
      return { spec: m.BITBUCKET_COMMAND, run: (args) => m.runBitbucket(args, nodeCliIo()) };
    },
  },
};

/**
 * Entry point of the `cds-gateway` binary. Every command line is parsed
 * strictly before the command runs (issue #11): a flag it does not know is
 * exit 2 with a message naming it, and nothing is read or sent.
 */
export async function main(argv: string[]): Promise<number> {
  const [name = "serve", ...rest] = argv;
  if (name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  const { spec, run } = await command.load();
  if (command.sub !== undefined && rest[0] !== command.sub) {
    process.stderr.write(`usage: ${spec.usage}\n`);
    return 2;
  }
  let args: CliArgs;
  try {
    args = parseCommandLine(command.sub === undefined ? rest : rest.slice(1), spec);
  } catch (error) {
    if (!(error instanceof GatewayError) || error.code !== "ERR_USAGE") throw error;
    process.stderr.write(
      `cds-gateway ${command.sub === undefined ? name : `${name} ${command.sub}`}: ${error.message}\nusage: ${spec.usage}\n`,
    );
    return 2;
  }
  return run(args);
}
