import type { GatewayConfig } from "../core/config-types.ts";
import type { Metrics } from "../core/metrics.ts";
import type { Clock, FetchFn, Logger } from "../core/ports.ts";
import { isDotSegment } from "../lib/path-segment.ts";
import { FIRST_RETRY_MS, retryDelay } from "../lib/retry-delay.ts";
import type { BranchDeletionStore, ClaimedBranchDeletion } from "./branch-deletion-store.ts";
import type { CdsSessions } from "../cds-api/cds-session.ts";
import type { CallPacer } from "../cds-api/create-call-pacer.ts";
import { deleteBranchRuns, type DeleteBranchRunsResult } from "./delete-branch-runs.ts";
import type { RunCounts } from "./delete-listed-runs.ts";

export interface RunDueBranchDeletionsDeps {
  config: GatewayConfig;
  deletions: BranchDeletionStore;
  fetch: FetchFn;
  clock: Clock;
  logger: Logger;
  sessions: CdsSessions;
  /** Spaces the calls to each instance's API; shared by every run of this process (issue #11). */
  pacer?: CallPacer;
  /** Jitter source for retries (tests). */
  random?: () => number;
  /** Told when a failed deletion is due again (Node arms a timer). */
  wake?: (at: number) => void;
  /** Counts deletions done and failed attempts, per instance (issue #16). */
  metrics?: Metrics;
}

/**
 * The executing half of the branch-deletion lifecycle (docs/storage-schema.md#branch-deletions),
 * run by the scheduled work: claims the deletions that are due (a lease per
 * record, so two processes sharing the store never both execute one), asks
 * CDS to remove the branch's runs, and clears the record once CDS did, or
 * reschedules it with exponential backoff and jitter (honouring Retry-After)
 * on any failure, a 404 included. The lease outlives one execution: signin
 * and DELETE, each possibly twice after a 401, plus the wait for their turns
 * when the whole batch goes to one instance; a branch whose runs are listed
 * and deleted one by one stops asking at half the lease and goes on at once
 * in its next attempt.
 */
export async function runDueBranchDeletions(
  deps: RunDueBranchDeletionsDeps,
  options: { batch?: number; maxBatches?: number } = {},
): Promise<number> {
  const batch = options.batch ?? 20;
  const { forwardTimeoutMs, cdsApiCallsPerSecond } = deps.config.gateway;
  const leaseMs = forwardTimeoutMs * 4 + 30_000 + Math.ceil((batch * 4 * 1000) / cdsApiCallsPerSecond);
  let done = 0;
  for (let round = 0; round < (options.maxBatches ?? 50); round++) {
    const claimedAt = deps.clock.now();
    const claimed = await deps.deletions.claimDue(claimedAt, batch, leaseMs);
    // Half the lease for asking CDS: a branch with many runs goes on in its next attempt, well before another process may claim it.
    const deadline = claimedAt + leaseMs / 2;
    await Promise.all(
      claimed.map(async (claim) => {
        try {
          if (await executeOne(deps, claim, deadline)) done++;
        } catch (error) {
          deps.logger.log("error", "branch deletion attempt failed", {
            id: claim.id,
            error: error instanceof Error ? error.message : String(error),
          });
        } finally {
          await deps.deletions.release(claim).catch(() => undefined);
        }
      }),
    );
    if (claimed.length < batch) break;
  }
  return done;
}

async function executeOne(deps: RunDueBranchDeletionsDeps, claim: ClaimedBranchDeletion, deadline: number): Promise<boolean> {
  const record = claim.item;
  // Every write below is conditional on the record as claimed (issue #12): cancelled, or cancelled
  // and recorded again, while CDS was being asked, the newer state stands.
  const claimed = { record, version: claim.version };
  const fields = { id: record.id, instance: record.instance, project: record.project, workflow: record.workflow, branch: record.branch };
  // Written before such names were refused (issue #11): it can never be asked of CDS safely.
  if ([record.project, record.workflow, record.branch].some(isDotSegment)) {
    await deps.deletions.remove(claimed);
    deps.logger.log("warn", "branch deletion dropped: a name cannot be a path segment", fields);
    return false;
  }
  const instance = deps.config.cds[record.instance];
  const result: DeleteBranchRunsResult = instance
    ? await deleteBranchRuns(
        {
          fetch: deps.fetch,
          clock: deps.clock,
          sessions: deps.sessions,
          pacer: deps.pacer,
          timeoutMs: deps.config.gateway.forwardTimeoutMs,
          deadline,
        },
        instance,
        record,
      )
    : { kind: "failed", error: `CDS instance ${record.instance} is not in the configuration` };

  const counts = result.counts;
  if (counts && counts.otherBranches > 0) {
    deps.logger.log("warn", "CDS listed runs of other branches (it did not apply the branch filter): those were left alone", {
      ...fields,
      otherBranches: counts.otherBranches,
    });
  }
  if (result.kind === "done") {
    deps.metrics?.count("cds_gateway_branch_deletions_done_total", { cds_instance: record.instance });
    await deps.deletions.remove(claimed);
    deps.logger.log("info", "runs of deleted branch removed", {
      ...fields,
      via: result.via,
      ...runCounts(counts),
      attempts: record.attempts + 1,
    });
    return true;
  }
  const now = deps.clock.now();
  // Out of time with runs left is no failure: due again at once, attempts and backoff untouched.
  const attempts = result.kind === "partial" ? record.attempts : record.attempts + 1;
  const nextAttemptAt =
    result.kind === "partial" ? now : now + Math.max(FIRST_RETRY_MS, retryDelay(attempts, result.retryAfterMs, deps.random));
  const lastError = result.kind === "failed" ? result.error : record.lastError;
  if (await deps.deletions.replace(claimed, { ...record, attempts, nextAttemptAt, ...(lastError === undefined ? {} : { lastError }) }))
    deps.wake?.(nextAttemptAt);
  if (result.kind === "partial") {
    deps.logger.log("info", "runs of deleted branch partly removed, going on", { ...fields, ...runCounts(counts) });
  } else {
    deps.metrics?.count("cds_gateway_branch_deletion_failures_total", { cds_instance: record.instance });
    deps.logger.log("warn", "branch deletion failed, will retry", {
      ...fields,
      attempts,
      nextAttemptAt,
      error: result.error,
      ...runCounts(counts),
    });
  }
  return false;
}

/** The counts of a listing deletion, for a log line (404s logged as what they are: runs already gone). */
function runCounts(counts: RunCounts | undefined): { deleted?: number; alreadyGone?: number } {
  return counts ? { deleted: counts.deleted, alreadyGone: counts.alreadyGone } : {};
}
