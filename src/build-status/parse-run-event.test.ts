import { describe, expect, it } from "vitest";
import { parseRunEvent, RUN_EVENT_TYPE } from "./parse-run-event.ts";

const HASH = "8c5f1e3b2a9d4c7e6f0a1b2c3d4e5f6a7b8c9d0e";

/** A CDS `sdk.Event` as the API marshals it (Go drops zero `subnum`). */
function event(payload: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timestamp: "2024-01-10T10:00:00Z",
    hostname: "cds-api-1",
    cdsname: "prod",
    type_event: RUN_EVENT_TYPE,
    project_key: "PRJ",
    workflow_name: "wf",
    workflow_run_num: 12,
    payload: {
      id: 991,
      num: 12,
      status: "Fail",
      hash: HASH,
      branch_name: "feature/x",
      node_name: "build",
      repository_manager_name: "Bitbucket",
      repository_full_name: "PRJ/my-repo",
      stages_summary: [
        { id: 1, name: "Stage 1", build_order: 1, run_jobs_summary: [{ id: 5, status: "Fail", job_summary: { job_name: "my job" } }] },
        { id: 2, name: "Stage 2", build_order: 2, run_jobs_summary: [] },
      ],
      ...payload,
    },
    ...top,
  };
}

/**
 * The same run as CDS 0.40–0.45 sends it: `sdk.Event.payload` built with
 * fatih/structs' `Map`, so its keys are Go field names, nested structs and
 * slices of structs included, and zero values are not omitted.
 */
function goFieldEvent(payload: Record<string, unknown> = {}): Record<string, unknown> {
  const job = {
    ID: 5,
    WorkflowNodeRunID: 991,
    Status: "Fail",
    Queued: 0,
    Start: 0,
    Done: 0,
    SpawnInfos: null,
    Job: {
      StepStatusSummary: null,
      Reason: "",
      WorkerName: "w1",
      WorkerID: "",
      JobName: "my job",
      PipelineActionID: 1,
      PipelineStageID: 1,
      Steps: null,
    },
  };
  return {
    ...event(),
    payload: {
      ID: 991,
      NodeID: 4,
      RunID: 77,
      Number: 12,
      SubNumber: 0,
      Status: "Fail",
      Start: 1704880800,
      Done: 1704880900,
      Payload: null,
      HookEvent: null,
      Manual: null,
      SourceNodeRuns: null,
      WorkflowRunID: 77,
      RepositoryManagerName: "Bitbucket",
      RepositoryFullName: "PRJ/my-repo",
      Hash: HASH,
      Tag: "",
      BranchName: "feature/x",
      NodeName: "build",
      StagesSummary: [
        { ID: 1, Name: "Stage 1", BuildOrder: 1, Enabled: true, Status: "Fail", Jobs: null, RunJobsSummary: [job] },
        { ID: 2, Name: "Stage 2", BuildOrder: 2, Enabled: true, Status: "Success", Jobs: null, RunJobsSummary: [] },
      ],
      HookUUID: "",
      HookLog: "",
      NodeType: "pipeline",
      GerritChange: null,
      EventIntegrations: null,
      ...payload,
    },
  };
}

describe("parseRunEvent", () => {
  it("extracts what statuses and comments need", () => {
    expect(parseRunEvent(event())).toEqual({
      kind: "run",
      event: {
        cdsName: "prod",
        projectKey: "PRJ",
        workflowName: "wf",
        nodeName: "build",
        number: 12,
        subNumber: 0,
        status: "Fail",
        hash: HASH,
        branch: "feature/x",
        repository: { project: "PRJ", repo: "my-repo" },
        repositoryManager: "Bitbucket",
        stages: [
          { name: "Stage 1", jobs: [{ name: "my job", status: "Fail" }] },
          { name: "Stage 2", jobs: [] },
        ],
      },
    });
  });

  it("reads subnum, personal projects and refs/heads/ branches", () => {
    const parsed = parseRunEvent(event({ subnum: 3, repository_full_name: "~jdoe/tools", branch_name: "refs/heads/main" }));
    expect(parsed.kind).toBe("run");
    if (parsed.kind !== "run") return;
    expect(parsed.event.subNumber).toBe(3);
    expect(parsed.event.repository).toEqual({ project: "~jdoe", repo: "tools" });
    expect(parsed.event.branch).toBe("main");
  });

  it("falls back to workflow_run_num and workflow_run_num_sub", () => {
    const body = event({}, { workflow_run_num: 7, workflow_run_num_sub: 2 });
    delete (body.payload as Record<string, unknown>).num;
    const parsed = parseRunEvent(body);
    expect(parsed.kind === "run" && [parsed.event.number, parsed.event.subNumber]).toEqual([7, 2]);
  });

  it("leaves branch, repository and stages out when the node has none", () => {
    const parsed = parseRunEvent(event({ branch_name: "", repository_full_name: undefined, stages_summary: null }, { cdsname: undefined }));
    expect(parsed.kind).toBe("run");
    if (parsed.kind !== "run") return;
    expect(parsed.event.branch).toBeUndefined();
    expect(parsed.event.repository).toBeUndefined();
    expect(parsed.event.cdsName).toBeUndefined();
    expect(parsed.event.stages).toEqual([]);
  });

  it("reads the Go field names of CDS 0.40–0.45 payloads (structs.Map, zero values kept), nested stages too", () => {
    const parsed = parseRunEvent(goFieldEvent());
    expect(parsed).toEqual(parseRunEvent(event()));
    const sub = parseRunEvent(goFieldEvent({ SubNumber: 2, BranchName: "refs/heads/main", RepositoryFullName: "~jdoe/tools" }));
    expect(sub.kind === "run" && [sub.event.subNumber, sub.event.branch, sub.event.repository]).toEqual([
      2,
      "main",
      { project: "~jdoe", repo: "tools" },
    ]);
  });

  it("names Go fields in its refusals of a Go-field payload", () => {
    expect(parseRunEvent(goFieldEvent({ Hash: "" }))).toEqual({ kind: "invalid", message: "payload.Hash is required" });
    expect(parseRunEvent(goFieldEvent({ StagesSummary: [{ Name: 3 }] }))).toEqual({
      kind: "invalid",
      message: "payload.StagesSummary[0].Name must be a string",
    });
  });

  it("ignores other event types", () => {
    expect(parseRunEvent({ type_event: "sdk.EventRunWorkflow", payload: {} })).toEqual({ kind: "ignored", type: "sdk.EventRunWorkflow" });
  });

  it.each([
    [[], "the body must be a JSON object (a CDS event)"],
    [null, "the body must be a JSON object (a CDS event)"],
    [{}, "type_event is required"],
    [{ type_event: 3 }, "type_event must be a string"],
    [event({}, { payload: undefined }), "payload is required"],
    [event({}, { payload: "x" }), "payload must be an object"],
    [event({}, { project_key: "" }), "project_key is required"],
    [event({}, { workflow_name: undefined }), "workflow_name is required"],
    [event({ node_name: undefined }), "payload.node_name is required"],
    [event({ status: "" }), "payload.status is required"],
    [event({ hash: undefined }), "payload.hash is required"],
    [event({ hash: "../../x" }), "payload.hash must be a hexadecimal commit id"],
    [event({ num: undefined }, { workflow_run_num: undefined }), "payload.num is required"],
    [event({ num: "12" }), "payload.num must be a non-negative integer"],
    [event({ subnum: -1 }), "payload.subnum must be a non-negative integer"],
    [event({ repository_full_name: "PRJ" }), "payload.repository_full_name must be PROJECT/repo"],
    [event({ repository_full_name: "a/b/c" }), "payload.repository_full_name must be PROJECT/repo"],
    // Dot segments would move the Bitbucket path once normalised (issue #11).
    [event({ repository_full_name: "../.." }), "payload.repository_full_name must be PROJECT/repo, neither of them . or .."],
    [event({ repository_full_name: "PRJ/." }), "payload.repository_full_name must be PROJECT/repo, neither of them . or .."],
    [event({ repository_full_name: "../repo" }), "payload.repository_full_name must be PROJECT/repo, neither of them . or .."],
    [event({ stages_summary: {} }), "payload.stages_summary must be an array"],
    [event({ stages_summary: [{ name: 1 }] }), "payload.stages_summary[0].name must be a string"],
    [
      event({ stages_summary: [{ name: "s", run_jobs_summary: [{ job_summary: { job_name: 4 } }] }] }),
      "payload.stages_summary[0].run_jobs_summary[0].job_summary.job_name must be a string",
    ],
  ])("refuses %j: %s", (body, message) => {
    expect(parseRunEvent(body)).toEqual({ kind: "invalid", message });
  });
});
