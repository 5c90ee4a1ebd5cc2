import { runCheckConfig } from "../../../cli/check-config.ts";
import { parseArgs } from "../../../cli/parse-args.ts";
import { nodeCliIo } from "../node-cli-io.ts";
import { runServe } from "./serve-command.ts";

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

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  serve: (argv) => runServe(parseArgs(argv)),
  "check-config": (argv) => runCheckConfig(parseArgs(argv), nodeCliIo()),
  keygen: async (argv) => (await import("../../../cli/keygen.ts")).runKeygen(parseArgs(argv), nodeCliIo()),
  oauth: async (argv) => {
    if (argv[0] !== "link") {
      process.stderr.write("usage: cds-gateway oauth link --config FILE --server NAME\n");
      return 2;
    }
    return (await import("../../../cli/oauth-link.ts")).runOauthLink(parseArgs(argv.slice(1)), nodeCliIo());
  },
  webhooks: async (argv) => {
    if (argv[0] !== "secure") {
      process.stderr.write("usage: cds-gateway webhooks secure --config FILE --server NAME --project KEY [--repo SLUG] [--dry-run]\n");
      return 2;
    }
    return (await import("../../../cli/webhooks-secure.ts")).runWebhooksSecure(parseArgs(argv.slice(1), ["dry-run"]), nodeCliIo());
  },
  bitbucket: async (argv) => (await import("../../../cli/bitbucket-command.ts")).runBitbucket(parseArgs(argv), nodeCliIo()),
};

/** Entry point of the `cds-gateway` binary. */
export async function main(argv: string[]): Promise<number> {
  const [name = "serve", ...rest] = argv;
  if (name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  return command(rest);
}
