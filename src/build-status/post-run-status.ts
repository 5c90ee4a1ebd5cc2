import type { BitbucketClient } from "../bitbucket/bitbucket-client.ts";
import type { BuildState, BuildStatus } from "../bitbucket/bitbucket-types.ts";
import type { BitbucketServerConfig } from "../core/config-types.ts";
import type { KvStore } from "../core/ports.ts";
import { buildStatusForEvent } from "./build-status-for-event.ts";
import type { RunEvent } from "./parse-run-event.ts";

/** How long the last posted status of a key on a commit is remembered. */
export const STATUS_MEMORY_TTL_MS = 30 * 24 * 3_600_000;

export type StatusOutcome = { posted: true; state: BuildState } | { posted: false; reason: "disabled" | "unchanged"; state: BuildState };

export interface PostRunStatusInput {
  client: BitbucketClient;
  store: KvStore;
  server: BitbucketServerConfig;
  event: RunEvent;
  /** Base of the link, from the chosen CDS instance. */
  uiUrl: string;
  /** false: link to `uiUrl` only, whatever the server's `Status.showDetail` says (CDS's `disableStatusDetails=true`). */
  showDetail?: boolean;
  /** false: post even when the very same status was the last one posted (CDS's own calls: CDS checked the statuses itself). */
  skipUnchanged?: boolean;
}

/**
 * `status:<server>:<hash>:<key>` (components URI-encoded, hash in lowercase)
 * → the last status posted for that key on that commit (docs/storage-schema.md).
 */
export function statusStoreKey(server: string, hash: string, key: string): string {
  return `status:${encodeURIComponent(server)}:${hash.toLowerCase()}:${encodeURIComponent(key)}`;
}

/**
 * Posts the build status of a node run to `/rest/build-status/1.0/commits/<hash>`,
 * unless the server has `Status.disable` or the very same status (state,
 * name, url, description) was the last one posted for this key and commit.
 * The status is remembered only once Bitbucket accepted it; BitbucketError
 * and the client's other errors propagate.
 */
export async function postRunStatus(input: PostRunStatusInput): Promise<StatusOutcome> {
  const { client, store, server, event } = input;
  const showDetail = server.status.showDetail && input.showDetail !== false;
  const status = buildStatusForEvent(event, { uiUrl: input.uiUrl, showDetail });
  if (server.status.disable) return { posted: false, reason: "disabled", state: status.state };

  const storeKey = statusStoreKey(server.name, event.hash, status.key);
  const fingerprint = statusFingerprint(status);
  if (input.skipUnchanged !== false && (await store.get(storeKey)) === fingerprint)
    return { posted: false, reason: "unchanged", state: status.state };

  await client.setBuildStatusLegacy(event.hash, status);
  await store.put(storeKey, fingerprint, { ttlMs: STATUS_MEMORY_TTL_MS });
  return { posted: true, state: status.state };
}

/** What "the same status" means: every field Bitbucket shows. */
function statusFingerprint(status: BuildStatus): string {
  return JSON.stringify({ state: status.state, name: status.name, url: status.url, description: status.description });
}
