import { ConfigError, configErrorReport } from "../core/config/config-error.ts";
import { summarizeConfig } from "../core/config/summarize-config.ts";
import type { CliArgs, CliIo } from "./cli-io.ts";
import { flagValue } from "./parse-args.ts";

/** `check-config --config FILE`: a redacted summary (exit 0) or every problem by key path (exit 1). */
export async function runCheckConfig(args: CliArgs, io: CliIo): Promise<number> {
  const path = flagValue(args, "config");
  if (!path) {
    io.stderr("usage: cds-gateway check-config --config FILE\n");
    return 2;
  }
  try {
    io.stdout(summarizeConfig(await io.loadConfig(path)));
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(configErrorReport(path, error));
    return 1;
  }
}
