import { ConfigError, configErrorReport, formatConfigIssue } from "../core/config/config-error.ts";
import { configWarnings } from "../core/config/config-warnings.ts";
import { summarizeConfig } from "../core/config/summarize-config.ts";
import type { CliArgs, CliIo } from "./cli-io.ts";
import { flagValue } from "./parse-args.ts";

/**
 * `check-config --config FILE`: a redacted summary (exit 0, with warnings on
 * stderr) or every problem by key path (exit 1).
 */
export async function runCheckConfig(args: CliArgs, io: CliIo): Promise<number> {
  const path = flagValue(args, "config");
  if (!path) {
    io.stderr("usage: cds-gateway check-config --config FILE\n");
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
