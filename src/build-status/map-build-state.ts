import type { BuildState } from "../bitbucket/bitbucket-types.ts";

/**
 * CDS node-run status → Bitbucket build state (docs/build-status.md, "Build
 * status"; CDS's `engine/vcs/bitbucketserver/client_status.go`): `Success`, `Skipped`, `Disabled`
 * → SUCCESSFUL; `Building`, `Waiting` → INPROGRESS; `Fail`, `Stopped` and
 * anything else → FAILED. CDS statuses are compared exactly, as CDS does.
 */
export function mapBuildState(status: string): BuildState {
  switch (status) {
    case "Success":
    case "Skipped":
    case "Disabled":
      return "SUCCESSFUL";
    case "Building":
    case "Waiting":
      return "INPROGRESS";
    default:
      return "FAILED";
  }
}
