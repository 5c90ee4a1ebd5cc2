/** Longest `PROJECT/slug` kept: Bitbucket's keys and slugs are far shorter; a body claiming more is not trusted to fill a summary. */
const MAX_LENGTH = 300;

/**
 * The repository a Bitbucket webhook is about, as `PROJECT/slug` (issue
 * #16): `repository` (repo:* events, mirror and comment events), else the
 * pull request's target (`pullRequest.toRef.repository`, pr:* events).
 * Undefined for a body that is not JSON or names no repository (a ping).
 * Read once, when a delivery is stored: listings show it from the summary
 * and never parse bodies.
 */
export function repositoryOf(body: Uint8Array): string | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
  const found = named(field(payload, "repository")) ?? named(field(field(field(payload, "pullRequest"), "toRef"), "repository"));
  return found !== undefined && found.length <= MAX_LENGTH ? found : undefined;
}

function named(repository: unknown): string | undefined {
  const key = field(field(repository, "project"), "key");
  const slug = field(repository, "slug");
  return typeof key === "string" && typeof slug === "string" && key !== "" && slug !== "" ? `${key}/${slug}` : undefined;
}

function field(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}
