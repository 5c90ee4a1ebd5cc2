import { describe, expect, it } from "vitest";
import { toCdsCommitStatuses } from "./to-cds-commit-statuses.ts";

describe("toCdsCommitStatuses", () => {
  it("keeps CDS's statuses only, in CDS's shape and states", () => {
    const at = Date.UTC(2024, 0, 10, 10, 0, 0) + 789;
    expect(
      toCdsCommitStatuses(
        [
          { state: "SUCCESSFUL", key: "PRJ-wf-build", name: "PRJ-wf-build12", url: "u", description: "CDS/PRJ-wf-build", dateAdded: at },
          { state: "FAILED", key: "PRJ-wf-test", url: "u", description: "CDS/PRJ-wf-test", dateAdded: at },
          { state: "INPROGRESS", key: "PRJ-wf-deploy", url: "u", description: "CDS/PRJ-wf-deploy" },
          { state: "FAILED", key: "jenkins", url: "u", description: "Jenkins build" },
          { state: "FAILED", key: "bare", url: "u" },
        ],
        "abc123",
      ),
    ).toEqual([
      { ref: "abc123", created_at: "2024-01-10T10:00:00Z", state: "Success", description: "CDS/PRJ-wf-build" },
      { ref: "abc123", created_at: "2024-01-10T10:00:00Z", state: "Fail", description: "CDS/PRJ-wf-test" },
      { ref: "abc123", created_at: "1970-01-01T00:00:00Z", state: "Disabled", description: "CDS/PRJ-wf-deploy" },
    ]);
  });
});
