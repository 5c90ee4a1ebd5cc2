import { join } from "node:path";
import { REPO_ROOT } from "./bench-webhook.ts";
import { spawnServer, type ServerProcess } from "./spawn-server.ts";

/** bench/stub-cds-server.ts in its own process, on `port` (default: a free one). */
export function startStubCds(port = 0): Promise<ServerProcess> {
  return spawnServer({
    name: "stub-cds",
    command: process.execPath,
    args: ["--import", "tsx", join(REPO_ROOT, "bench/stub-cds-server.ts"), "--port", String(port)],
    cwd: REPO_ROOT,
  });
}

/** How many webhooks the stub on `port` answered 200 so far. */
export async function stubAnswered(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/-/count`);
  return ((await res.json()) as { answered: number }).answered;
}
