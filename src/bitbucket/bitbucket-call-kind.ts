/** The `kind` label of `cds_gateway_bitbucket_calls_total` (a fixed set, so the series stay bounded; docs/metrics.md). */
export type BitbucketCallKind = "status" | "statuses" | "comment" | "pull_requests" | "repositories" | "webhooks" | "other";

/**
 * What a call to Bitbucket's REST API is for, from its method and path
 * (query left out): posting a build status (legacy or per repository),
 * listing a commit's statuses, a pull-request comment, pull requests,
 * repositories, webhooks, or anything else (calls CDS passes through).
 */
export function bitbucketCallKind(method: string, path: string): BitbucketCallKind {
  if (/^\/rest\/build-status\/[^/]+\/commits\//.test(path)) return method === "POST" ? "status" : "statuses";
  if (/\/commits\/[^/]+\/builds$/.test(path)) return method === "POST" ? "status" : "statuses";
  if (/\/pull-requests\/[^/]+\/comments(\/|$)/.test(path)) return "comment";
  if (/\/pull-requests(\/|$)/.test(path)) return "pull_requests";
  if (/\/webhooks(\/|$)/.test(path)) return "webhooks";
  if (/\/repos(\/|$)/.test(path)) return "repositories";
  return "other";
}
