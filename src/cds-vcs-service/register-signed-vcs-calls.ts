import type { Hono } from "hono";
import { handleSignedVcsCall, type SignedVcsDeps } from "./handle-signed-vcs-call.ts";

/** The paths of CDS's vcs service that its API calls (engine/vcs/vcs_router.go): `/vcs/*`, `/vcs` and `/vcsgerrit`. */
const VCS_SERVICE_PATHS = ["/vcs", "/vcs/*", "/vcsgerrit"];

/**
 * Takes the calls CDS's API makes to its vcs service when the service's URL
 * is the gateway (issue #10): on those paths, a request signed with
 * `Authorization: Signature …` (or a `Signature` header and no Authorization)
 * is handled by handleSignedVcsCall. Everything else goes on to the routes
 * registered after this, so `/vcs/*` with `Authorization: Bearer` keeps its
 * bearer-token routes.
 */
export function registerSignedVcsCalls(app: Hono, deps: SignedVcsDeps): void {
  for (const path of VCS_SERVICE_PATHS) {
    app.use(path, async (c, next) => {
      const headers = c.req.raw.headers;
      const authorization = headers.get("authorization");
      const signed = authorization === null ? headers.has("signature") : /^Signature\s/i.test(authorization.trim());
      return signed ? handleSignedVcsCall(deps, c.req.raw) : next();
    });
  }
}
