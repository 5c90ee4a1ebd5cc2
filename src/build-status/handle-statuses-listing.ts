import type { BitbucketClient } from "../bitbucket/bitbucket-client.ts";
import type { BitbucketServerConfig } from "../core/config-types.ts";
import { json } from "../core/json-error.ts";
import type { Logger } from "../core/ports.ts";
import { bitbucketFailureResponse } from "./bitbucket-failure-response.ts";
import { toCdsCommitStatuses } from "./to-cds-commit-statuses.ts";

/**
 * `GET /vcs/<name>/repos/<owner>/<repo>/commits/<ref>/statuses`, which CDS's
 * API calls before posting a status (engine/api/workflow/workflow_run_event.go):
 * Bitbucket's build statuses of the commit, in the shape CDS's vcs service
 * answers. A Bitbucket failure is 502 (CDS then skips the post).
 */
export async function handleStatusesListing(input: {
  server: BitbucketServerConfig;
  client: BitbucketClient;
  ref: string;
  logger: Logger;
}): Promise<Response> {
  try {
    return json(200, toCdsCommitStatuses(await input.client.listBuildStatusesLegacy(input.ref), input.ref));
  } catch (error) {
    input.logger.log("warn", "listing build statuses failed", {
      server: input.server.name,
      error: error instanceof Error ? error.message : String(error),
    });
    const response = bitbucketFailureResponse(error);
    if (!response) throw error;
    return response;
  }
}
