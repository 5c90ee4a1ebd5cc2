import { isDotSegment } from "../lib/path-segment.ts";

/** The `type_event` of a workflow node run event (Go's `%T` of `sdk.EventRunWorkflowNode`). */
export const RUN_EVENT_TYPE = "sdk.EventRunWorkflowNode";

export interface RunJobSummary {
  /** `job_summary.job_name` ("" when CDS sent none). */
  name: string;
  status: string;
}

export interface RunStageSummary {
  name: string;
  /** `run_jobs_summary[]`, in CDS's order. */
  jobs: RunJobSummary[];
}

/** The fields of a CDS workflow node run event the gateway uses. */
export interface RunEvent {
  /** Top-level `cdsname`: the name of the CDS API that sent it, if any. */
  cdsName?: string;
  projectKey: string;
  workflowName: string;
  nodeName: string;
  /** Run number (`payload.num`, else `workflow_run_num`). */
  number: number;
  /** Sub-number (`payload.subnum`, else `workflow_run_num_sub`, else 0: Go omits a zero). */
  subNumber: number;
  /** CDS status of the node run: `Building`, `Success`, `Fail`, `Stopped`… */
  status: string;
  /** Commit the node ran on. */
  hash: string;
  /** `payload.branch_name` without a `refs/heads/` prefix; absent when the node has no branch. */
  branch?: string;
  /** From `payload.repository_full_name` (`PROJ/slug`, `~user/slug`); absent when the node has no repository. */
  repository?: { project: string; repo: string };
  /** `payload.repository_manager_name`: the vcs server of the node's application, as CDS names it (lower case). */
  repositoryManager?: string;
  stages: RunStageSummary[];
}

export type ParsedRunEvent =
  | { kind: "run"; event: RunEvent }
  /** A well-formed event of another type: nothing to do. */
  | { kind: "ignored"; type: string }
  /** `message` names the missing or malformed field. */
  | { kind: "invalid"; message: string };

const HASH = /^[0-9a-fA-F]{7,64}$/;

/** The payload's field names in one generation of CDS. */
interface PayloadNames {
  nodeName: string;
  number: string;
  subNumber: string;
  status: string;
  hash: string;
  branch: string;
  repository: string;
  repositoryManager: string;
  stages: string;
  stageName: string;
  jobs: string;
  jobStatus: string;
  job: string;
  jobName: string;
}

/** CDS 0.46 and later: `json.Marshal` of `sdk.EventRunWorkflowNode`, snake_case tags. */
const SNAKE_CASE: PayloadNames = {
  nodeName: "node_name",
  number: "num",
  subNumber: "subnum",
  status: "status",
  hash: "hash",
  branch: "branch_name",
  repository: "repository_full_name",
  repositoryManager: "repository_manager_name",
  stages: "stages_summary",
  stageName: "name",
  jobs: "run_jobs_summary",
  jobStatus: "status",
  job: "job_summary",
  jobName: "job_name",
};

/**
 * CDS 0.40–0.45: the payload is fatih/structs' `Map` of the same struct
 * (engine/api/workflow/workflow_run_event.go), so its keys are Go field names,
 * nested structs included (issue #10).
 */
const GO_FIELDS: PayloadNames = {
  nodeName: "NodeName",
  number: "Number",
  subNumber: "SubNumber",
  status: "Status",
  hash: "Hash",
  branch: "BranchName",
  repository: "RepositoryFullName",
  repositoryManager: "RepositoryManagerName",
  stages: "StagesSummary",
  stageName: "Name",
  jobs: "RunJobsSummary",
  jobStatus: "Status",
  job: "Job",
  jobName: "JobName",
};

class Invalid extends Error {}

/**
 * Validates the body of `POST /vcs/<server>/status` (a CDS `sdk.Event`) and
 * extracts what the build status and the pull-request comment need. The
 * payload may come in either generation's field names (snake_case, or Go
 * field names before CDS 0.46). Every refusal names the field at fault, in the
 * payload's own naming, e.g. `payload.hash is required`.
 */
export function parseRunEvent(body: unknown): ParsedRunEvent {
  try {
    return parse(body);
  } catch (error) {
    if (error instanceof Invalid) return { kind: "invalid", message: error.message };
    throw error;
  }
}

function parse(body: unknown): ParsedRunEvent {
  if (!isObject(body)) throw new Invalid("the body must be a JSON object (a CDS event)");
  const type = requiredString(body, "type_event", "type_event");
  if (type !== RUN_EVENT_TYPE) return { kind: "ignored", type };

  const payload = body.payload;
  if (payload === undefined || payload === null) throw new Invalid("payload is required");
  if (!isObject(payload)) throw new Invalid("payload must be an object");
  const n = namesOf(payload);
  const at = (key: string) => `payload.${key}`;

  const projectKey = requiredString(body, "project_key", "project_key");
  const workflowName = requiredString(body, "workflow_name", "workflow_name");
  const nodeName = requiredString(payload, n.nodeName, at(n.nodeName));
  const status = requiredString(payload, n.status, at(n.status));
  const hash = requiredString(payload, n.hash, at(n.hash));
  if (!HASH.test(hash)) throw new Invalid(`${at(n.hash)} must be a hexadecimal commit id`);

  const number = integer(payload, n.number, at(n.number), 1) ?? integer(body, "workflow_run_num", "workflow_run_num", 1);
  if (number === undefined) throw new Invalid(`${at(n.number)} is required`);
  const subNumber =
    integer(payload, n.subNumber, at(n.subNumber), 0) ?? integer(body, "workflow_run_num_sub", "workflow_run_num_sub", 0) ?? 0;

  const event: RunEvent = {
    projectKey,
    workflowName,
    nodeName,
    number,
    subNumber,
    status,
    hash,
    stages: stages(payload[n.stages], n),
  };
  const cdsName = optionalString(body, "cdsname", "cdsname");
  if (cdsName) event.cdsName = cdsName;
  const branch = optionalString(payload, n.branch, at(n.branch));
  if (branch) event.branch = branch.startsWith("refs/heads/") ? branch.slice("refs/heads/".length) : branch;
  const fullName = optionalString(payload, n.repository, at(n.repository));
  if (fullName) event.repository = repository(fullName, at(n.repository));
  const manager = optionalString(payload, n.repositoryManager, at(n.repositoryManager));
  if (manager) event.repositoryManager = manager;
  return { kind: "run", event };
}

/** Go field names when the payload has them and none of the snake_case ones. */
function namesOf(payload: Record<string, unknown>): PayloadNames {
  const has = (names: PayloadNames) => [names.nodeName, names.hash, names.status, names.number].some((key) => Object.hasOwn(payload, key));
  return has(GO_FIELDS) && !has(SNAKE_CASE) ? GO_FIELDS : SNAKE_CASE;
}

function repository(fullName: string, where: string): { project: string; repo: string } {
  const parts = fullName.split("/");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
    throw new Invalid(`${where} must be PROJECT/repo`);
  }
  // They become Bitbucket path segments, where `.` and `..` would move the path (issue #11).
  if (parts.some(isDotSegment)) throw new Invalid("payload.repository_full_name must be PROJECT/repo, neither of them . or ..");
  return { project: parts[0]!, repo: parts[1]! };
}

function stages(value: unknown, n: PayloadNames): RunStageSummary[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Invalid(`payload.${n.stages} must be an array`);
  return value.map((stage: unknown, i) => {
    const where = `payload.${n.stages}[${i}]`;
    if (!isObject(stage)) throw new Invalid(`${where} must be an object`);
    const jobs = stage[n.jobs];
    if (jobs !== undefined && jobs !== null && !Array.isArray(jobs)) throw new Invalid(`${where}.${n.jobs} must be an array`);
    return {
      name: optionalString(stage, n.stageName, `${where}.${n.stageName}`) ?? "",
      jobs: (jobs ?? []).map((job: unknown, j) => {
        const jobWhere = `${where}.${n.jobs}[${j}]`;
        if (!isObject(job)) throw new Invalid(`${jobWhere} must be an object`);
        const summary = job[n.job];
        if (summary !== undefined && summary !== null && !isObject(summary)) throw new Invalid(`${jobWhere}.${n.job} must be an object`);
        return {
          name: (summary ? optionalString(summary, n.jobName, `${jobWhere}.${n.job}.${n.jobName}`) : undefined) ?? "",
          status: optionalString(job, n.jobStatus, `${jobWhere}.${n.jobStatus}`) ?? "",
        };
      }),
    };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(object: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new Invalid(`${where} must be a string`);
  return value;
}

function requiredString(object: Record<string, unknown>, key: string, where: string): string {
  const value = optionalString(object, key, where);
  if (value === undefined || value.trim() === "") throw new Invalid(`${where} is required`);
  return value;
}

/** An integer ≥ `min`, or undefined when absent (Go's `omitempty` drops zeros, so 0 counts as absent where min is 1). */
function integer(object: Record<string, unknown>, key: string, where: string, min: number): number | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw new Invalid(`${where} must be a non-negative integer`);
  return value < min ? undefined : value;
}
