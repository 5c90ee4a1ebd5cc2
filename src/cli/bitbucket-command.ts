import { createBitbucketClient } from "../bitbucket/bitbucket-client.ts";
import type { CliArgs, CliIo, CommandSpec } from "./cli-io.ts";
import { loadBitbucketServer } from "./load-bitbucket-server.ts";

const USAGE = "cds-gateway bitbucket --config FILE --server NAME METHOD PATH [--data JSON] [--as-user]";

/** The command line of this command (parsed strictly by the runtime). */
export const BITBUCKET_COMMAND: CommandSpec = {
  usage: USAGE,
  options: { config: { type: "string" }, server: { type: "string" }, data: { type: "string" }, "as-user": { type: "boolean" } },
  positionals: true,
};

/**
 * `bitbucket --config FILE --server NAME METHOD PATH [--data JSON] [--as-user]`:
 * one authenticated call to `{url}{PATH}`, with the same credentials, signing
 * and retries as the gateway, to check them: by default as a build status goes
 * (OAuth when the server has `privateKey`), with `--as-user` as a comment goes
 * (the HTTP access `token` as Bearer when it has one, issue #14). Prints the status line and the body
 * (JSON pretty-printed) on stdout, the Bitbucket user it ran as on stderr.
 * Exit 0 for 1xx–3xx, 1 for 4xx/5xx or no answer, 2 on usage errors.
 * `args` are the arguments after the command name.
 */
export async function runBitbucket(args: CliArgs, io: CliIo): Promise<number> {
  if (args.positionals.length !== 2) {
    io.stderr(`expected METHOD and PATH (usage: ${USAGE})\n`);
    return 2;
  }
  const [method, path] = args.positionals as [string, string];
  if (!/^[A-Za-z]+$/.test(method)) {
    io.stderr(`not an HTTP method: "${method}" (usage: ${USAGE})\n`);
    return 2;
  }
  if (!path.startsWith("/")) {
    io.stderr(`PATH must start with "/", e.g. /rest/api/1.0/projects (usage: ${USAGE})\n`);
    return 2;
  }
  let json: unknown;
  const data = args.flags.data;
  if (data !== undefined) {
    if (data === true) {
      io.stderr(`--data needs a JSON value (usage: ${USAGE})\n`);
      return 2;
    }
    try {
      json = JSON.parse(data);
    } catch (error) {
      io.stderr(`--data is not valid JSON: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
  }

  const loaded = await loadBitbucketServer(args, io, USAGE);
  if ("exitCode" in loaded) return loaded.exitCode;

  const client = createBitbucketClient({ server: loaded.server, fetch: io.fetch, clock: io.clock });
  let response;
  try {
    response = await client.request(method, path, { ...(json === undefined ? {} : { json }), asUser: args.flags["as-user"] === true });
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }

  const user = response.headers.get("x-ausername");
  if (user) io.stderr(`authenticated as: ${user}\n`);
  io.stdout(`${response.status} ${response.statusText}`.trimEnd() + "\n");
  const body = prettyBody(response.text, response.headers.get("content-type"));
  if (body !== "") io.stdout(body.endsWith("\n") ? body : body + "\n");
  return response.status >= 400 ? 1 : 0;
}

function prettyBody(text: string, contentType: string | null): string {
  if (!contentType?.toLowerCase().includes("json")) return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
