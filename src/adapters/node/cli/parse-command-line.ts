import { parseArgs } from "node:util";
import type { CliArgs, CommandSpec } from "../../../cli/cli-io.ts";
import { GatewayError } from "../../../core/gateway-error.ts";

/**
 * Parses a command's arguments with `node:util`'s parseArgs in strict mode
 * (issue #11): an unknown flag (`--dryrun`), a value given to a switch
 * (`--dry-run=yes`), a missing value or an unexpected positional argument
 * throws ERR_USAGE with Node's message, which names it. Nothing runs on a
 * command line that was not understood.
 */
export function parseCommandLine(argv: readonly string[], spec: CommandSpec): CliArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...spec.options }, strict: true, allowPositionals: spec.positionals === true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    throw new GatewayError("ERR_USAGE", message, { cause: error });
  }
  const flags: Record<string, string | true> = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === "string") flags[name] = value;
    else if (value === true) flags[name] = true;
  }
  return { positionals: parsed.positionals, flags };
}
