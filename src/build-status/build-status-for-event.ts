import type { BuildStatus } from "../bitbucket/bitbucket-types.ts";
import { mapBuildState } from "./map-build-state.ts";
import type { RunEvent } from "./parse-run-event.ts";

export interface BuildStatusOptions {
  /** Base URL of the CDS UI, without trailing slash. */
  uiUrl: string;
  /** false: the status links to `uiUrl` only, never to the run. */
  showDetail: boolean;
}

/** `<PROJECT>-<workflow>-<node>`: one build status per workflow node and commit. */
export function buildStatusKey(event: Pick<RunEvent, "projectKey" | "workflowName" | "nodeName">): string {
  return `${event.projectKey}-${event.workflowName}-${event.nodeName}`;
}

/**
 * The build status CDS posts for a node run (docs/build-status.md, "Build
 * status"): `key` = `<PROJECT>-<workflow>-<node>`, `name` = key followed by
 * the run number, `description` = `CDS/<key>`, `url` = the run's page in the
 * CDS UI (or the UI alone when `showDetail` is false).
 */
export function buildStatusForEvent(event: RunEvent, options: BuildStatusOptions): BuildStatus {
  const key = buildStatusKey(event);
  const uiUrl = options.uiUrl.replace(/\/+$/, "");
  const url = options.showDetail
    ? `${uiUrl}/project/${encodeURIComponent(event.projectKey)}/workflow/${encodeURIComponent(event.workflowName)}/run/${event.number}`
    : uiUrl;
  return {
    state: mapBuildState(event.status),
    key,
    name: `${key}${event.number}`,
    description: `CDS/${key}`,
    url,
  };
}
