import type { Context, Hono } from "hono";
import type { BitbucketServerConfig, GatewayConfig } from "../core/config-types.ts";
import { jsonError } from "../core/json-error.ts";
import type { Clock, FetchFn, KvStore, Logger } from "../core/ports.ts";
import type { BitbucketClients } from "./bitbucket-clients.ts";
import { findServerByName } from "../core/find-server-by-name.ts";
import { handleCommentRequest } from "./handle-comment-request.ts";
import { handleStatusEvent } from "./handle-status-event.ts";

export interface BuildStatusDeps {
  config: GatewayConfig;
  store: KvStore;
  fetch: FetchFn;
  clock: Clock;
  logger: Logger;
  clients: BitbucketClients;
}

/**
 * Mounts `/vcs/<server>/…` (already behind the bearer check):
 * - `POST /vcs/<server>/status`: build status (and PR comment) from a CDS run event;
 * - `POST /vcs/<server>/repos/<project>/<repo>/pullrequests/comments`: a PR comment.
 * `<server>` matches a `[vcs.servers.NAME]` without regard to case, as CDS
 * reads the names; an unknown one is 404; another method on these paths is 405.
 */
export function registerBuildStatusRoutes(app: Hono, deps: BuildStatusDeps): void {
  const clientFor = (server: BitbucketServerConfig) => deps.clients.of(server);
  const serverOf = (c: Context): BitbucketServerConfig | undefined => {
    const name = c.req.param("server");
    return name === undefined ? undefined : findServerByName(deps.config.servers, name);
  };
  const unknownServer = () => jsonError("unknown_server", "no Bitbucket server of that name is configured");
  const onlyPost = () => jsonError("method_not_allowed", "this route takes POST requests", { headers: { allow: "POST" } });

  app.post("/vcs/:server/status", (c) => {
    const server = serverOf(c);
    if (!server) return unknownServer();
    return handleStatusEvent({
      request: c.req.raw,
      server,
      client: clientFor(server),
      config: deps.config,
      store: deps.store,
      clock: deps.clock,
      logger: deps.logger,
    });
  });

  app.post("/vcs/:server/repos/:project/:repo/pullrequests/comments", (c) => {
    const server = serverOf(c);
    if (!server) return unknownServer();
    return handleCommentRequest({
      request: c.req.raw,
      server,
      client: clientFor(server),
      project: c.req.param("project"),
      repo: c.req.param("repo"),
      maxBodyBytes: deps.config.gateway.maxBodyBytes,
      logger: deps.logger,
    });
  });

  for (const path of ["/vcs/:server/status", "/vcs/:server/repos/:project/:repo/pullrequests/comments"]) {
    app.all(path, (c) => (serverOf(c) ? onlyPost() : unknownServer()));
  }
}
