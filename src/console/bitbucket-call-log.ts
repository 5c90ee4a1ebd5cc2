import type { BitbucketCall } from "../bitbucket/bitbucket-client.ts";

export interface BitbucketCallLog {
  record(call: BitbucketCall): void;
  /** Per server, in the order given: its last build-status or comment call, or null. */
  snapshot(servers: readonly string[]): Array<{ name: string; lastCall: BitbucketCall | null }>;
}

/** The last build-status or comment call of each Bitbucket server, as this process made it (issue #16). */
export function createBitbucketCallLog(): BitbucketCallLog {
  const last = new Map<string, BitbucketCall>();
  return {
    record(call) {
      if (call.kind === "status" || call.kind === "comment") last.set(call.server, call);
    },
    snapshot(servers) {
      return servers.map((name) => ({ name, lastCall: last.get(name) ?? null }));
    },
  };
}
