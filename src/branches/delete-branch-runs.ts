import type { CdsInstanceConfig } from "../core/config-types.ts";
import { pathSegment } from "../lib/path-segment.ts";
import { type CdsApiCallDeps, callCdsApi, describeCdsAnswer } from "../cds-api/call-cds-api.ts";
import { CdsApiError } from "../cds-api/cds-session.ts";
import { deleteListedRuns, type RunCounts } from "./delete-listed-runs.ts";

export interface DeleteBranchRunsDeps extends CdsApiCallDeps {
  /** When the attempt must stop asking (on `clock.now()`): the rest waits for the next attempt. */
  deadline?: number;
}

export type DeleteBranchRunsResult =
  /** `via`: CDS's runs/branch route, or the runs listed and deleted one by one (with their counts). */
  | { kind: "done"; via: "branch" | "listing"; counts?: RunCounts }
  /** Time ran out with runs left: not a failure, the record is due again at once. */
  | { kind: "partial"; counts: RunCounts }
  | { kind: "failed"; error: string; retryAfterMs?: number; counts?: RunCounts };

/**
 * `/project/{project}/workflows/{workflow}/runs/branch/{branch}`, every
 * segment percent-encoded (`/` too: `feature/wip` → `feature%2Fwip`), so the
 * branch stays one path segment; `.` and `..` throw ERR_PATH_SEGMENT (see
 * pathSegment).
 */
export function branchRunsPath(project: string, workflow: string, branch: string): string {
  return `/project/${pathSegment(project)}/workflows/${pathSegment(workflow)}/runs/branch/${pathSegment(branch)}`;
}

/**
 * Asks the CDS API to remove the runs of a deleted branch (what the hooks
 * service's BranchDeletion task did in CDS 0.40–0.49), with the session JWT
 * as Bearer.
 *
 * A branch whose name is its own path segment (nothing to percent-encode)
 * goes to `DELETE …/runs/branch/{branch}`: every CDS router reads it the
 * same. Any other name (`feature/x`, `fix-é`) cannot go there: CDS up to 0.51
 * decodes `%2F` before routing and answers 404, and from 0.52
 * (`UseEncodedPath`) it matches the branch still encoded, answers 200 and
 * deletes nothing (docs/cds-behaviour.md#deleting-a-branchs-runs); its runs are
 * listed and deleted one by one (deleteListedRuns). A 404 of the branch route
 * or of the listing (no such project or workflow) is a failure, never done.
 */
export async function deleteBranchRuns(
  deps: DeleteBranchRunsDeps,
  instance: CdsInstanceConfig,
  target: { project: string; workflow: string; branch: string },
): Promise<DeleteBranchRunsResult> {
  if (!instance.apiUrl || !instance.token) return { kind: "failed", error: `CDS instance ${instance.name} has no apiUrl and token` };
  try {
    if (pathSegment(target.branch) !== target.branch) {
      const outcome = await deleteListedRuns(deps, instance, target);
      return outcome.kind === "done" ? { kind: "done", via: "listing", counts: outcome.counts } : outcome;
    }
    const answer = await callCdsApi(
      deps,
      instance,
      "DELETE",
      branchRunsPath(target.project, target.workflow, target.branch),
      "DELETE runs",
    );
    if (answer.status >= 200 && answer.status <= 299) return { kind: "done", via: "branch" };
    return { kind: "failed", error: describeCdsAnswer("DELETE runs", answer), retryAfterMs: answer.retryAfterMs };
  } catch (error) {
    if (error instanceof CdsApiError) return { kind: "failed", error: error.message, retryAfterMs: error.retryAfterMs };
    throw error;
  }
}
