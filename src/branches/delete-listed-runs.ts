import type { CdsInstanceConfig } from "../core/config-types.ts";
import { pathSegment } from "../lib/path-segment.ts";
import { type CdsApiAnswer, type CdsApiCallDeps, callCdsApi, describeCdsAnswer } from "../cds-api/call-cds-api.ts";

/** Runs per listing page: the most CDS's listing says it serves (`Accept-Range: run 50`). */
export const RUNS_PAGE_SIZE = 50;
/** Listing calls of one attempt at most: a guard against a CDS whose paging never ends (one that ignores `offset`). */
export const MAX_LISTINGS = 1_000;

/** What one attempt did to the runs of a branch. */
export interface RunCounts {
  /** Runs CDS accepted to delete (202). */
  deleted: number;
  /** Runs CDS answered 404 for: already marked for deletion by someone else, or purged meanwhile. */
  alreadyGone: number;
  /** Runs of other branches in the listing (a CDS that ignored the filter): never deleted. */
  otherBranches: number;
}

export type ListedRunsOutcome =
  | { kind: "done"; counts: RunCounts }
  /** The attempt's time ran out with runs left to list: the next attempt goes on. */
  | { kind: "partial"; counts: RunCounts }
  | { kind: "failed"; error: string; retryAfterMs?: number; counts: RunCounts };

/**
 * Deletes a branch's runs one by one, for a branch whose name the runs/branch
 * route cannot carry (docs/cds-behaviour.md#deleting-a-branchs-runs):
 * `GET …/runs?git.branch=<branch>&offset=N&limit=50`, then `DELETE
 * …/runs/{num}` for each listed run of that branch, and the same page again,
 * since the list changes as runs are deleted (CDS 0.41–0.52 drop deleted runs
 * from it; v0.53 keeps them until its purge). A page holding nothing new moves
 * `offset` past it; an empty page after a pass that deleted something starts
 * a last pass from 0, so a run that slid below `offset` is found too.
 *
 * The listing's 206 and `Link` are ignored: CDS computes them from all the
 * workflow's runs whatever the filter, and its `Link` drops the filter. Each
 * listed run's `git.branch` tag is checked before it is deleted, so a CDS that
 * ignored the filter never has another branch's run deleted. `deadline` (on
 * `now()`) ends the attempt early as `partial`.
 */
export async function deleteListedRuns(
  deps: CdsApiCallDeps & { deadline?: number },
  instance: CdsInstanceConfig,
  target: { project: string; workflow: string; branch: string },
): Promise<ListedRunsOutcome> {
  const runsPath = `/project/${pathSegment(target.project)}/workflows/${pathSegment(target.workflow)}/runs`;
  const counts: RunCounts = { deleted: 0, alreadyGone: 0, otherBranches: 0 };
  const handled = new Set<number>();
  const foreign = new Set<number>();
  const outOfTime = () => deps.deadline !== undefined && deps.clock.now() >= deps.deadline;
  const failed = (what: string, answer: CdsApiAnswer): ListedRunsOutcome => ({
    kind: "failed",
    error: describeCdsAnswer(what, answer),
    retryAfterMs: answer.retryAfterMs,
    counts,
  });

  let offset = 0;
  let deletedThisPass = false;
  for (let listings = 0; ; listings++) {
    if (listings >= MAX_LISTINGS) return { kind: "failed", error: `list runs: more than ${MAX_LISTINGS} pages`, counts };
    if (outOfTime()) return { kind: "partial", counts };
    const query = `git.branch=${encodeURIComponent(target.branch)}&offset=${offset}&limit=${RUNS_PAGE_SIZE}`;
    const page = await callCdsApi(deps, instance, "GET", `${runsPath}?${query}`, "list runs");
    if (page.status !== 200 && page.status !== 206) return failed("list runs", page);
    const runs = parseRuns(page.text);
    if (runs === undefined) return { kind: "failed", error: "list runs: the answer is not a list of runs", counts };
    if (runs.length === 0) {
      if (offset === 0 || !deletedThisPass) return { kind: "done", counts };
      offset = 0;
      deletedThisPass = false;
      continue;
    }
    const fresh: number[] = [];
    for (const run of runs) {
      if (run.branch !== target.branch) {
        if (!foreign.has(run.num)) counts.otherBranches++;
        foreign.add(run.num);
      } else if (!run.toDelete && !handled.has(run.num)) {
        fresh.push(run.num);
      }
    }
    if (fresh.length === 0) {
      offset += runs.length;
      continue;
    }
    for (const num of fresh) {
      if (outOfTime()) return { kind: "partial", counts };
      const answer = await callCdsApi(deps, instance, "DELETE", `${runsPath}/${num}`, `delete run ${num}`);
      if (answer.status === 404) counts.alreadyGone++;
      else if (answer.status >= 200 && answer.status <= 299) counts.deleted++;
      else return failed(`delete run ${num}`, answer);
      handled.add(num);
    }
    deletedThisPass = true;
  }
}

interface ListedRun {
  num: number;
  /** The run's `git.branch` tag; undefined when it has none. */
  branch?: string;
  /** `to_delete`, which CDS 0.44–0.47 still list (full runs, not summaries). */
  toDelete: boolean;
}

/**
 * The runs of a listing page: `[{"num":12,"tags":[{"tag":"git.branch","value":"…"}],…}]`
 * (sdk.WorkflowRunSummary from 0.48, sdk.WorkflowRun before). An entry without
 * a usable `num` is left out; undefined when the body is not a JSON array.
 */
function parseRuns(text: string): ListedRun[] | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (body === null) return [];
  if (!Array.isArray(body)) return undefined;
  const runs: ListedRun[] = [];
  for (const entry of body) {
    if (typeof entry !== "object" || entry === null) continue;
    const { num, tags, to_delete: toDelete } = entry as { num?: unknown; tags?: unknown; to_delete?: unknown };
    if (typeof num !== "number" || !Number.isSafeInteger(num) || num < 0) continue;
    const tag = Array.isArray(tags)
      ? tags.find((t) => typeof t === "object" && t !== null && (t as { tag?: unknown }).tag === "git.branch")
      : undefined;
    const value = (tag as { value?: unknown } | undefined)?.value;
    runs.push({ num, branch: typeof value === "string" ? value : undefined, toDelete: toDelete === true });
  }
  return runs;
}
