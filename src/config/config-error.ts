import { GatewayError } from "../core/gateway-error.ts";

/** One problem in the configuration, located by its TOML key path. */
export interface ConfigIssue {
  /** e.g. `vcs.servers.Bitbucket.bitbucket.privateKey`; "" for the document itself. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** Thrown when the configuration does not load; `issues` lists every problem found. */
export class ConfigError extends GatewayError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super("ERR_CONFIG", issues.map(formatConfigIssue).join("\n"));
    this.name = "ConfigError";
    this.issues = issues;
  }
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? "" : ` (line ${issue.line}, column ${issue.column ?? 0})`;
  return issue.path ? `${issue.path}: ${issue.message}${where}` : `${issue.message}${where}`;
}

/** The report commands print for a configuration that does not load: one indented line per problem. */
export function configErrorReport(path: string, error: ConfigError): string {
  return `${path}: configuration has ${error.issues.length} problem(s):\n${error.message.replace(/^/gm, "  ")}\n`;
}
