/** A call of CDS's API to its vcs service that the gateway answers itself (issue #10). */
export type CdsVcsRoute =
  | { kind: "status"; name: string }
  | { kind: "statuses"; name: string; owner: string; repo: string; commit: string }
  | { kind: "comment"; name: string; owner: string; repo: string }
  | { kind: "legacy-comment"; name: string; owner: string; repo: string; id: string };

const ROUTES: Array<[method: string, pattern: RegExp, kind: CdsVcsRoute["kind"], fields: string[]]> = [
  ["POST", /^\/vcs\/([^/]+)\/status$/, "status", ["name"]],
  ["GET", /^\/vcs\/([^/]+)\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/statuses$/, "statuses", ["name", "owner", "repo", "commit"]],
  ["POST", /^\/vcs\/([^/]+)\/repos\/([^/]+)\/([^/]+)\/pullrequests\/comments$/, "comment", ["name", "owner", "repo"]],
  ["POST", /^\/vcs\/([^/]+)\/repos\/([^/]+)\/([^/]+)\/pullrequests\/([^/]+)\/comments$/, "legacy-comment", ["name", "owner", "repo", "id"]],
];

/**
 * Which of the vcs service's routes (engine/vcs/vcs_router.go) a call is, for
 * the four the gateway answers: the status post, the statuses listing, and
 * the comment posts of CDS 0.46+ and of 0.40–0.45. Path segments are
 * percent-decoded, as CDS's router does. Anything else is undefined: it goes
 * to the vcs service.
 */
export function matchCdsVcsRoute(method: string, pathname: string): CdsVcsRoute | undefined {
  for (const [routeMethod, pattern, kind, fields] of ROUTES) {
    if (method !== routeMethod) continue;
    const match = pattern.exec(pathname);
    if (!match) continue;
    const values: Record<string, string> = {};
    for (const [i, field] of fields.entries()) {
      try {
        values[field] = decodeURIComponent(match[i + 1]!);
      } catch {
        return undefined;
      }
    }
    return { kind, ...values } as CdsVcsRoute;
  }
  return undefined;
}
