/** Shapes of the Bitbucket Server / DC REST resources the gateway uses (only the fields it reads or writes). */

export type BuildState = "SUCCESSFUL" | "FAILED" | "INPROGRESS" | "CANCELLED" | "UNKNOWN";

/** Body of a build status (RestBuildStatusSetRequest; the legacy endpoint reads key, state, url, name, description). */
export interface BuildStatus {
  state: BuildState;
  /** At most 255 characters; the same key on the same commit overwrites. */
  key: string;
  /** At most 450 characters. */
  url: string;
  name?: string;
  description?: string;
  buildNumber?: string;
  dateAdded?: number;
  duration?: number;
  parent?: string;
  ref?: string;
  testResults?: { successful: number; failed: number; skipped: number };
}

export interface RefSummary {
  id: string;
  displayId: string;
  latestCommit: string;
  repository?: { slug: string; project: { key: string } };
}

export type PullRequestState = "OPEN" | "MERGED" | "DECLINED";

export interface PullRequest {
  id: number;
  version?: number;
  title?: string;
  state: PullRequestState;
  open?: boolean;
  fromRef: RefSummary;
  toRef: RefSummary;
  [field: string]: unknown;
}

export interface PullRequestComment {
  id: number;
  text: string;
  [field: string]: unknown;
}

export interface Webhook {
  id?: number;
  name: string;
  url: string;
  events: string[];
  active: boolean;
  /** `configuration.secret` is the X-Hub-Signature secret; Bitbucket never returns it. */
  configuration?: Record<string, string>;
  credentials?: { username: string; password: string };
  sslVerificationRequired?: boolean;
  [field: string]: unknown;
}

/** One page of a paged collection. */
export interface Page<T> {
  values: T[];
  size?: number;
  start?: number;
  limit?: number;
  isLastPage: boolean;
  nextPageStart?: number;
}
