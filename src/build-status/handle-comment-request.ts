import type { BitbucketClient } from "../bitbucket/bitbucket-client.ts";
import type { BitbucketServerConfig } from "../core/config-types.ts";
import { json, jsonError } from "../core/json-error.ts";
import type { Logger } from "../core/ports.ts";
import { bitbucketFailureResponse } from "./bitbucket-failure-response.ts";
import { type ParsedCommentRequest, parseCommentRequest } from "./parse-comment-request.ts";
import { readJsonBody } from "../lib/read-json-body.ts";

export interface CommentRequestInput {
  request: Request;
  server: BitbucketServerConfig;
  client: BitbucketClient;
  project: string;
  repo: string;
  maxBodyBytes: number;
  logger: Logger;
  /** How the JSON body reads; default CDS 0.46+'s `{"id":…,"message":…}`. */
  parse?: (body: unknown) => ParsedCommentRequest;
}

/**
 * `POST /vcs/<server>/repos/<project>/<repo>/pullrequests/comments` with
 * `{"id":<pr id>,"message":"…"}`: posts the comment (cut by the client when
 * too long). 200 `{"posted":true,"pullRequest":…,"comment":<comment id>}`;
 * 400 for a bad body; 502 with Bitbucket's messages when Bitbucket refused.
 */
export async function handleCommentRequest(input: CommentRequestInput): Promise<Response> {
  const { server, client, project, repo, logger } = input;
  const body = await readJsonBody(input.request, input.maxBodyBytes);
  if (!body.ok) return body.response;
  const parsed = (input.parse ?? parseCommentRequest)(body.value);
  if (parsed.kind === "invalid") return jsonError("bad_request", parsed.message);

  const fields = { server: server.name, project, repo, pullRequest: parsed.id };
  try {
    const posted = await client.addPullRequestComment(project, repo, parsed.id, parsed.message);
    logger.log("info", "pull-request comment posted", fields);
    return json(200, { posted: true, pullRequest: parsed.id, comment: posted?.id ?? null });
  } catch (error) {
    logger.log("warn", "pull-request comment failed", { ...fields, error: error instanceof Error ? error.message : String(error) });
    const response = bitbucketFailureResponse(error);
    if (!response) throw error;
    return response;
  }
}
