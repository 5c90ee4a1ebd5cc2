import { ConfigError, configErrorReport, formatConfigIssue } from "../config/config-error.ts";
import { configWarnings } from "../config/config-warnings.ts";
import { summarizeConfig } from "../config/summarize-config.ts";
import type { CliArgs, CliIo, CommandSpec } from "./cli-io.ts";
import { flagValue } from "./flag-value.ts";

const USAGE = "cds-gateway check-config --config FILE";

/** The command line of this command (parsed strictly by the runtime). */
export const CHECK_CONFIG_COMMAND: CommandSpec = { usage: USAGE, options: { config: { type: "string" } } };

/**
 * `check-config --config FILE`: a redacted summary (exit 0, with warnings on
 * stderr) or every problem by key path (exit 1).
 */
export async function runCheckConfig(args: CliArgs, io: CliIo): Promise<number> {
  const path = flagValue(args, "config");
  if (!path) {
    io.stderr(`usage: ${USAGE}\n`);
    return 2;
  }
  try {
    const config = await io.loadConfig(path);
    io.stdout(summarizeConfig(config));
    for (const warning of configWarnings(config)) io.stderr(`warning: ${formatConfigIssue(warning)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(configErrorReport(path, error));
    return 1;
  }
}
