import type { CdsInstanceConfig } from "../core/config/config-types.ts";
import type { Clock, FetchFn } from "../core/ports.ts";
import { parseRetryAfter } from "../core/parse-retry-after.ts";
import { pathSegment } from "../core/path-segment.ts";
import { CdsApiError, type CdsSessions, describeFetchError } from "./cds-session.ts";
import type { CallPacer } from "./create-call-pacer.ts";

export interface DeleteBranchRunsDeps {
  fetch: FetchFn;
  clock: Clock;
  sessions: CdsSessions;
  /** Per HTTP call (gateway.forwardTimeout), counted once the call's turn came. */
  timeoutMs: number;
  /** Spaces the calls to each instance (gateway.cdsApiCallsPerSecond). */
  pacer?: CallPacer;
}

export type DeleteBranchRunsResult =
  | { kind: "done"; status: number }
  | { kind: "failed"; error: string; retryAfterMs?: number };

/**
 * `/project/{project}/workflows/{workflow}/runs/branch/{branch}`, every
 * segment percent-encoded like Go's `url.PathEscape` and more (`/` too:
 * `feature/wip` → `feature%2Fwip`), so the branch stays one path segment;
 * `.` and `..` throw ERR_PATH_SEGMENT (see pathSegment).
 */
export function branchRunsPath(project: string, workflow: string, branch: string): string {
  return `/project/${pathSegment(project)}/workflows/${pathSegment(workflow)}/runs/branch/${pathSegment(branch)}`;
}

/**
 * Asks the CDS API to remove the runs of a deleted branch (what the hooks
 * service's BranchDeletion task did in CDS 0.40–0.49): `DELETE
 * {apiUrl}/project/…/runs/branch/…` with the session JWT as Bearer. 2xx and
 * 404 are done; a 401 signs in again once; anything else failed.
 */
export async function deleteBranchRuns(
  deps: DeleteBranchRunsDeps,
  instance: CdsInstanceConfig,
  target: { project: string; workflow: string; branch: string },
): Promise<DeleteBranchRunsResult> {
  if (!instance.apiUrl || !instance.token) return { kind: "failed", error: `CDS instance ${instance.name} has no apiUrl and token` };
  const url = `${instance.apiUrl}${branchRunsPath(target.project, target.workflow, target.branch)}`;
  const call = async (): Promise<{ jwt: string; response: Response }> => {
    const jwt = await deps.sessions.jwt(instance);
    await deps.pacer?.wait(instance.name);
    let response: Response;
    try {
      response = await deps.fetch(url, {
        method: "DELETE",
        headers: { authorization: `Bearer ${jwt}`, accept: "application/json" },
        signal: AbortSignal.timeout(deps.timeoutMs),
        redirect: "manual",
      });
    } catch (error) {
      throw new CdsApiError(`DELETE runs: ${describeFetchError(error)}`);
    }
    await response.arrayBuffer().catch(() => undefined);
    return { jwt, response };
  };
  try {
    let { jwt, response } = await call();
    if (response.status === 401) {
      deps.sessions.invalidate(instance.name, jwt);
      ({ jwt, response } = await call());
      if (response.status === 401) deps.sessions.invalidate(instance.name, jwt);
    }
    const status = response.status;
    if ((status >= 200 && status <= 299) || status === 404) return { kind: "done", status };
    return { kind: "failed", error: `DELETE runs: HTTP ${status}`, retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), deps.clock.now()) };
  } catch (error) {
    if (error instanceof CdsApiError) return { kind: "failed", error: error.message, retryAfterMs: error.retryAfterMs };
    throw error;
  }
}
