import type { CliArgs } from "./cli-io.ts";

/**
 * Splits `argv` into positionals and flags. `--name value`, `--name=value` and
 * bare boolean flags listed in `booleans` (e.g. `--dry-run`) are understood;
 * `--` ends flag parsing.
 */
export function parseArgs(argv: readonly string[], booleans: readonly string[] = []): CliArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "--") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq > 2) {
      flags[arg.slice(2, eq)] = arg.slice(eq + 1);
      continue;
    }
    const name = arg.slice(2);
    const next = argv[i + 1];
    if (booleans.includes(name) || next === undefined || next.startsWith("--")) {
      flags[name] = true;
    } else {
      flags[name] = next;
      i++;
    }
  }
  return { positionals, flags };
}

/** The string value of a flag, or undefined; a bare `--flag` without value counts as missing. */
export function flagValue(args: CliArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === "string" ? v : undefined;
}
