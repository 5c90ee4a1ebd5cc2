import { describe, expect, it } from "vitest";
import { buildStatusForEvent, buildStatusKey } from "./build-status-for-event.ts";
import type { RunEvent } from "./parse-run-event.ts";

const run: RunEvent = {
  projectKey: "PRJ",
  workflowName: "wf",
  nodeName: "build",
  number: 12,
  subNumber: 1,
  status: "Building",
  hash: "8c5f1e3b2a9d",
  stages: [],
};

describe("buildStatusForEvent", () => {
  it("builds CDS's key, name, description and run link", () => {
    expect(buildStatusForEvent(run, { uiUrl: "https://cds.example.com", showDetail: true })).toEqual({
      state: "INPROGRESS",
      key: "PRJ-wf-build",
      name: "PRJ-wf-build12",
      description: "CDS/PRJ-wf-build",
      url: "https://cds.example.com/project/PRJ/workflow/wf/run/12",
    });
  });

  it("links to the UI alone when showDetail is false", () => {
    expect(buildStatusForEvent({ ...run, status: "Success" }, { uiUrl: "https://cds.example.com/ui", showDetail: false })).toMatchObject({
      state: "SUCCESSFUL",
      url: "https://cds.example.com/ui",
    });
  });

  it("does not double a trailing slash of uiUrl", () => {
    expect(buildStatusForEvent(run, { uiUrl: "https://cds.example.com/", showDetail: true }).url).toBe(
      "https://cds.example.com/project/PRJ/workflow/wf/run/12",
    );
  });

  it("keys by project, workflow and node", () => {
    expect(buildStatusKey({ projectKey: "A", workflowName: "b", nodeName: "c" })).toBe("A-b-c");
  });
});
