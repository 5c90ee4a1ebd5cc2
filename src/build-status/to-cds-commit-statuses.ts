import type { BuildStatus } from "../bitbucket/bitbucket-types.ts";

/** CDS's `sdk.VCSCommitStatus`, as its vcs service answers `GET …/commits/{commit}/statuses`. */
export interface CdsCommitStatus {
  ref: string;
  /** RFC 3339, whole seconds (Go's time.Time of `dateAdded / 1000`). */
  created_at: string;
  /** `Success`, `Fail`, or `Disabled` for any other Bitbucket state. */
  state: string;
  description: string;
}

/**
 * What CDS's Bitbucket Server client makes of a commit's build statuses
 * (engine/vcs/bitbucketserver/client_status.go `ListStatuses`): only those
 * whose description starts with `CDS/`, Bitbucket's SUCCESSFUL → `Success`,
 * FAILED → `Fail`, anything else → `Disabled`. CDS's API compares the
 * description with `CDS/<PROJECT>-<workflow>-<node>` to decide whether to
 * post again.
 */
export function toCdsCommitStatuses(statuses: readonly BuildStatus[], ref: string): CdsCommitStatus[] {
  return statuses
    .filter((s) => typeof s.description === "string" && s.description.startsWith("CDS/"))
    .map((s) => ({
      ref,
      created_at: new Date(Math.floor((s.dateAdded ?? 0) / 1000) * 1000).toISOString().replace(".000Z", "Z"),
      state: s.state === "SUCCESSFUL" ? "Success" : s.state === "FAILED" ? "Fail" : "Disabled",
      description: s.description!,
    }));
}
