import type { BitbucketClient } from "../bitbucket/bitbucket-client.ts";
import type { BitbucketServerConfig, CdsInstanceConfig, GatewayConfig } from "../core/config-types.ts";
import { json, jsonError } from "../core/json-error.ts";
import type { Clock, KvStore, Logger } from "../core/ports.ts";
import { bitbucketFailureResponse } from "./bitbucket-failure-response.ts";
import { findServerByName } from "../core/find-server-by-name.ts";
import { parseRunEvent } from "./parse-run-event.ts";
import { pickCdsInstance } from "./pick-cds-instance.ts";
import { type CommentOutcome, isCommentDue, postFailureComment } from "./post-failure-comment.ts";
import { postRunStatus, type StatusOutcome } from "./post-run-status.ts";
import { readJsonBody } from "../lib/read-json-body.ts";

export interface StatusEventInput {
  request: Request;
  server: BitbucketServerConfig;
  client: BitbucketClient;
  config: GatewayConfig;
  store: KvStore;
  clock: Clock;
  logger: Logger;
  /**
   * The CDS instance that made this call itself, as its vcs service's client
   * (issue #10). Then the gateway posts exactly the status CDS asked for:
   * linked to that instance's uiUrl (only, with `?disableStatusDetails=true`),
   * never skipped as unchanged (CDS listed the statuses first), and no
   * comment (CDS posts its own report through the comment route).
   */
  caller?: CdsInstanceConfig;
}

/**
 * `POST /vcs/<server>/status`: a CDS workflow-node-run event becomes the
 * Bitbucket build status of its commit and, when the run ended `Fail` or
 * `Stopped`, one report comment on the pull request of that commit.
 *
 * Answers 200 `{"posted":true,"state":…}` or `{"posted":false,"reason":…}`
 * about the build status, with `comment` (`{"posted":…}`) when a comment was
 * due; 200 `{"posted":false,"reason":"ignored_event"}` for other event types
 * and `"other_server"` for an event whose `repository_manager_name` names
 * another server (compared without regard to case);
 * 400 naming the field at fault; 502 with Bitbucket's messages when Bitbucket
 * refused (both steps are tried; the first failure is reported).
 */
export async function handleStatusEvent(input: StatusEventInput): Promise<Response> {
  const { server, client, config, store, clock, logger } = input;
  const body = await readJsonBody(input.request, config.gateway.maxBodyBytes);
  if (!body.ok) return body.response;

  const parsed = parseRunEvent(body.value);
  if (parsed.kind === "invalid") return jsonError("bad_request", parsed.message);
  if (parsed.kind === "ignored") return json(200, { posted: false, reason: "ignored_event" });
  const event = parsed.event;
  // A node whose application is on another vcs server (CDS sends the names lower-cased, issue #14).
  if (event.repositoryManager !== undefined && findServerByName({ [server.name]: server }, event.repositoryManager) === undefined) {
    return json(200, { posted: false, reason: "other_server" });
  }

  const query = new URL(input.request.url).searchParams;
  const { caller } = input;
  const picked = caller
    ? { instance: caller }
    : pickCdsInstance(config.cds, { requested: query.get("cds") ?? undefined, cdsName: event.cdsName });
  if ("error" in picked) return jsonError("bad_request", picked.error);
  // CDS reads the flag with Go's strconv.ParseBool.
  const detailsDisabled = caller !== undefined && ["1", "t", "T", "true", "TRUE", "True"].includes(query.get("disableStatusDetails") ?? "");

  const fields = {
    server: server.name,
    project: event.projectKey,
    workflow: event.workflowName,
    node: event.nodeName,
    run: `${event.number}.${event.subNumber}`,
    status: event.status,
    hash: event.hash,
  };
  const failures: unknown[] = [];

  let status: StatusOutcome | undefined;
  try {
    status = await postRunStatus({
      client,
      store,
      server,
      event,
      uiUrl: picked.instance.uiUrl,
      ...(caller ? { showDetail: !detailsDisabled, skipUnchanged: false } : {}),
    });
    logger.log(status.posted ? "info" : "debug", status.posted ? "build status posted" : "build status not posted", {
      ...fields,
      state: status.state,
      reason: status.posted ? undefined : status.reason,
    });
  } catch (error) {
    failures.push(error);
    logger.log("warn", "build status failed", { ...fields, error: describe(error) });
  }

  let comment: CommentOutcome | undefined;
  if (!caller && isCommentDue(event.status)) {
    try {
      comment = await postFailureComment({ client, store, server, event, clock, logger });
      logger.log(comment.posted ? "info" : "debug", comment.posted ? "pull-request comment posted" : "pull-request comment not posted", {
        ...fields,
        pullRequest: comment.pullRequest,
        reason: comment.posted ? undefined : comment.reason,
      });
    } catch (error) {
      failures.push(error);
      logger.log("warn", "pull-request comment failed", { ...fields, error: describe(error) });
    }
  }

  if (failures.length > 0) {
    const response = bitbucketFailureResponse(failures[0]);
    if (!response) throw failures[0];
    return response;
  }
  return json(200, { ...status, ...(comment ? { comment } : {}) });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
