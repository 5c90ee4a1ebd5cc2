import type { CdsInstanceConfig } from "../core/config-types.ts";
import type { Clock, FetchFn } from "../core/ports.ts";
import { parseRetryAfter } from "../lib/parse-retry-after.ts";
import { CdsApiError, type CdsSessions, describeFetchError } from "./cds-session.ts";
import type { CallPacer } from "./create-call-pacer.ts";

export interface CdsApiCallDeps {
  fetch: FetchFn;
  clock: Clock;
  sessions: CdsSessions;
  /** Per HTTP call (gateway.forwardTimeout), counted once the call's turn came. */
  timeoutMs: number;
  /** Spaces the calls to each instance (gateway.cdsApiCallsPerSecond, issue #11). */
  pacer?: CallPacer;
}

/** What CDS answered; the body read whole. */
export interface CdsApiAnswer {
  status: number;
  text: string;
  /** What a Retry-After asked for, in ms. */
  retryAfterMs?: number;
}

/**
 * One call to an instance's API with the session JWT as Bearer, after its
 * turn on the pacer (every call to CDS's API waits there, issue #11). A 401
 * signs in again once and repeats the call; a second 401 is returned as it
 * is. A call that gets no answer throws CdsApiError, whose message names
 * `what` and never a token.
 */
export async function callCdsApi(
  deps: CdsApiCallDeps,
  instance: CdsInstanceConfig,
  method: string,
  path: string,
  what: string,
): Promise<CdsApiAnswer> {
  const call = async (): Promise<{ jwt: string; response: Response; text: string }> => {
    const jwt = await deps.sessions.jwt(instance);
    await deps.pacer?.wait(instance.name);
    try {
      const response = await deps.fetch(`${instance.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${jwt}`, accept: "application/json" },
        signal: AbortSignal.timeout(deps.timeoutMs),
        redirect: "manual",
      });
      return { jwt, response, text: await response.text() };
    } catch (error) {
      throw new CdsApiError(`${what}: ${describeFetchError(error)}`);
    }
  };
  let { jwt, response, text } = await call();
  if (response.status === 401) {
    deps.sessions.invalidate(instance.name, jwt);
    ({ jwt, response, text } = await call());
    if (response.status === 401) deps.sessions.invalidate(instance.name, jwt);
  }
  return { status: response.status, text, retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), deps.clock.now()) };
}

/**
 * "list runs: HTTP 404 (no such project or workflow)": on the routes the
 * branch deletions use, CDS answers 404 when the project or workflow is not
 * there (or, for one run, when the run is not).
 */
export function describeCdsAnswer(what: string, answer: CdsApiAnswer): string {
  return `${what}: HTTP ${answer.status}${answer.status === 404 ? " (no such project or workflow)" : ""}`;
}
