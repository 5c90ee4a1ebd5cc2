import type { CdsInstanceConfig } from "../core/config-types.ts";
import { GatewayError } from "../core/gateway-error.ts";
import { jsonError } from "../core/json-error.ts";
import type { PassThroughFn } from "../core/ports.ts";
import type { CdsCallers } from "./cds-caller-keys.ts";
import { findServerByName } from "../core/find-server-by-name.ts";
import { handleCommentRequest } from "../build-status/handle-comment-request.ts";
import { handleStatusEvent } from "../build-status/handle-status-event.ts";
import { handleStatusesListing } from "../build-status/handle-statuses-listing.ts";
import { matchCdsVcsRoute } from "./match-cds-vcs-route.ts";
import { parseLegacyCommentRequest } from "../build-status/parse-legacy-comment-request.ts";
import { readCdsAccessToken } from "./read-cds-access-token.ts";
import type { BuildStatusDeps } from "../build-status/register-build-status-routes.ts";

export interface SignedVcsDeps extends BuildStatusDeps {
  callers: CdsCallers;
  /** Absent on runtimes whose fetch cannot send the Host CDS signed (Workers, Deno). */
  passThrough?: PassThroughFn | undefined;
}

/**
 * A call CDS's API made to its vcs service, with the gateway as that
 * service's URL (issue #10, docs/cds-vcs-service.md). The signature is
 * verified first, from the headers alone; then the gateway answers the
 * status post, the statuses listing and the comment posts of a configured
 * Bitbucket server itself, and passes everything else on to the calling
 * instance's `vcsUrl`, untouched.
 */
export async function handleSignedVcsCall(deps: SignedVcsDeps, request: Request): Promise<Response> {
  const url = new URL(request.url);
  let caller: CdsInstanceConfig;
  try {
    caller = await deps.callers.verify(request);
  } catch (error) {
    if (!(error instanceof GatewayError) || !error.code.startsWith("ERR_SIGNATURE_")) throw error;
    deps.logger.log("warn", "refused a signed vcs call", { method: request.method, path: url.pathname, reason: error.code });
    return jsonError("unauthorized", error.message, { headers: { "www-authenticate": 'Signature headers="(request-target) host date"' } });
  }

  const route = matchCdsVcsRoute(request.method, url.pathname);
  const server = route ? findServerByName(deps.config.servers, route.name) : undefined;
  if (!route || !server) return passOn(deps, request, url, caller);

  const accessToken = readCdsAccessToken(request.headers);
  if (!accessToken.ok) return jsonError("bad_request", accessToken.message);
  const client = accessToken.token === undefined ? deps.clients.of(server) : deps.clients.withAccessToken(server, accessToken.token);
  deps.logger.log("debug", "answering a vcs call of CDS", { instance: caller.name, server: server.name, route: route.kind });
  const { config, store, clock, logger } = deps;
  switch (route.kind) {
    case "status":
      return handleStatusEvent({ request, server, client, config, store, clock, logger, caller });
    case "statuses":
      return handleStatusesListing({ server, client, ref: route.commit, logger });
    case "comment":
    case "legacy-comment": {
      const common = { request, server, client, project: route.owner, repo: route.repo, maxBodyBytes: config.gateway.maxBodyBytes, logger };
      if (route.kind === "comment") return handleCommentRequest(common);
      const id = route.id;
      return handleCommentRequest({ ...common, parse: (body) => parseLegacyCommentRequest(id, body) });
    }
  }
}

async function passOn(deps: SignedVcsDeps, request: Request, url: URL, caller: CdsInstanceConfig): Promise<Response> {
  if (!deps.passThrough) {
    return jsonError(
      "pass_through_unavailable",
      "this call must reach CDS's vcs service with the Host CDS signed, which this runtime's fetch cannot send: run the gateway that CDS's API calls on Node",
    );
  }
  if (caller.vcsUrl === undefined) {
    return jsonError("vcs_not_configured", `gateway.cds.${caller.name}.vcsUrl is not set: the gateway has nowhere to pass this call on`);
  }
  const target = caller.vcsUrl + url.pathname + url.search;
  try {
    const response = await deps.passThrough(request, target);
    deps.logger.log("debug", "passed a vcs call of CDS on", {
      instance: caller.name,
      method: request.method,
      path: url.pathname,
      status: response.status,
    });
    return response;
  } catch (error) {
    deps.logger.log("warn", "CDS's vcs service could not be reached", {
      instance: caller.name,
      path: url.pathname,
      error: error instanceof Error ? error.message : String(error),
    });
    return jsonError("vcs_unreachable", `CDS's vcs service of instance ${caller.name} (vcsUrl) could not be reached`);
  }
}
