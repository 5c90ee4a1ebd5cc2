import type { CliArgs } from "./cli-io.ts";

/** The string value of a flag, or undefined; a bare `--flag` without value counts as missing. */
export function flagValue(args: CliArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === "string" ? v : undefined;
}
