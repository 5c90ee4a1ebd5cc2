import { decodeJwt } from "jose";
import type { CdsInstanceConfig } from "../core/config-types.ts";
import type { Clock, FetchFn } from "../core/ports.ts";
import { parseRetryAfter } from "../lib/parse-retry-after.ts";
import type { CallPacer } from "./create-call-pacer.ts";

/** A session is renewed this long before its `exp`, so no call goes out with a token about to expire. */
export const SESSION_MARGIN_MS = 60_000;
/** How long a session JWT without `exp` is reused (a 401 renews it sooner). */
export const SESSION_WITHOUT_EXP_MS = 5 * 60_000;

/** A failed call to the CDS API; the message never holds a token. */
export class CdsApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, when CDS answered. */
    readonly status?: number,
    /** What CDS's Retry-After asked for, in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "CdsApiError";
  }
}

export interface CdsSessions {
  /** A session JWT for the instance: the one in memory while it is valid, else a fresh signin. */
  jwt(instance: CdsInstanceConfig): Promise<string>;
  /** Forgets `jwt` (CDS answered 401 with it); a newer session is kept. */
  invalidate(instanceName: string, jwt: string): void;
  /**
   * The API's public signing key as the last signin published it
   * (`X-Api-Pub-Signing-Key`, the base64 of a PEM; undefined when CDS sent
   * none), signing in first when none has happened yet, or when `renew`
   * asks for a fresh one (issue #10: a signature failed to verify).
   */
  signingKey(instance: CdsInstanceConfig, options?: { renew?: boolean }): Promise<string | undefined>;
}

/**
 * CDS API sessions, one per instance, held in memory only: `POST
 * {apiUrl}/auth/consumer/builtin/signin` with `{"token": <consumer token>}`
 * answers `{"token":"<jwt>","user":…}` (the JWT may also come in an
 * `X-Cds-Jwt` header). The JWT is reused until SESSION_MARGIN_MS before the
 * `exp` that jose's `decodeJwt` reads (the gateway does not verify CDS's
 * signature: CDS does). Concurrent callers share one signin, which waits its
 * turn on `pacer` like every call to that instance's API.
 */
export function createCdsSessions(deps: { fetch: FetchFn; clock: Clock; timeoutMs: number; pacer?: CallPacer }): CdsSessions {
  const cached = new Map<string, { jwt: string; renewAt: number }>();
  const pending = new Map<string, Promise<string>>();
  /** Per instance: X-Api-Pub-Signing-Key of the last successful signin ("" when it had none). */
  const signingKeys = new Map<string, string>();

  const signin = async (instance: CdsInstanceConfig): Promise<string> => {
    if (!instance.apiUrl || !instance.token) throw new CdsApiError(`CDS instance ${instance.name} has no apiUrl and token`);
    await deps.pacer?.wait(instance.name);
    let response: Response;
    try {
      response = await deps.fetch(`${instance.apiUrl}/auth/consumer/builtin/signin`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ token: instance.token.reveal() }),
        signal: AbortSignal.timeout(deps.timeoutMs),
        redirect: "manual",
      });
    } catch (error) {
      throw new CdsApiError(`signin: ${describeFetchError(error)}`);
    }
    const text = await response.text().catch(() => "");
    if (response.status < 200 || response.status > 299) {
      throw new CdsApiError(
        `signin: HTTP ${response.status}`,
        response.status,
        parseRetryAfter(response.headers.get("retry-after"), deps.clock.now()),
      );
    }
    const jwt = tokenFromBody(text) ?? response.headers.get("x-cds-jwt") ?? undefined;
    let exp: number | undefined;
    try {
      if (jwt === undefined) throw new Error("missing");
      exp = decodeJwt(jwt).exp;
    } catch {
      throw new CdsApiError("signin: the answer holds no session JWT", response.status);
    }
    signingKeys.set(instance.name, response.headers.get("x-api-pub-signing-key") ?? "");
    const now = deps.clock.now();
    cached.set(instance.name, { jwt, renewAt: exp === undefined ? now + SESSION_WITHOUT_EXP_MS : exp * 1000 - SESSION_MARGIN_MS });
    return jwt;
  };

  /** A signin for the instance, shared with any already running. */
  const freshSignin = (instance: CdsInstanceConfig): Promise<string> => {
    let running = pending.get(instance.name);
    if (!running) {
      running = signin(instance).finally(() => pending.delete(instance.name));
      pending.set(instance.name, running);
    }
    return running;
  };

  return {
    jwt(instance) {
      const session = cached.get(instance.name);
      if (session && deps.clock.now() < session.renewAt) return Promise.resolve(session.jwt);
      return freshSignin(instance);
    },
    invalidate(instanceName, jwt) {
      if (cached.get(instanceName)?.jwt === jwt) cached.delete(instanceName);
    },
    async signingKey(instance, options = {}) {
      if (options.renew || !signingKeys.has(instance.name)) await freshSignin(instance);
      return signingKeys.get(instance.name) || undefined;
    },
  };
}

function tokenFromBody(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null && typeof (body as { token?: unknown }).token === "string") {
      const token = (body as { token: string }).token;
      return token === "" ? undefined : token;
    }
  } catch {
    // not JSON: the header may still carry the JWT
  }
  return undefined;
}

/** A short reason for a failed fetch (timeout or connection), no URL, no headers. */
export function describeFetchError(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return "timed out";
  return "connection failed";
}
