import { GatewayError } from "../core/gateway-error.ts";

/**
 * `.` and `..` are dot segments (RFC 3986 §3.3): once a URL is normalised,
 * as `URL` and `fetch` do (and they treat `%2E` the same), they remove or
 * climb path segments, so a branch `..` would turn `…/runs/branch/..` into
 * `…/runs/` (issue #11).
 */
export function isDotSegment(value: string): boolean {
  return value === "." || value === "..";
}

/**
 * One segment of a URL path the gateway builds from a name it was given
 * (project key, repository slug, workflow, branch): percent-encoded so `/`,
 * `?` and `#` stay inside it, and refused when it is empty or a dot segment,
 * which no encoding keeps in place.
 */
export function pathSegment(value: string): string {
  if (value === "" || isDotSegment(value)) {
    throw new GatewayError("ERR_PATH_SEGMENT", `"${value}" cannot be a URL path segment`);
  }
  return encodeURIComponent(value);
}
