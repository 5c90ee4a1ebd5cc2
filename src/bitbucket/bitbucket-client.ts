import type { BitbucketServerConfig } from "../core/config-types.ts";
import { GatewayError } from "../core/gateway-error.ts";
import type { Clock, FetchFn } from "../core/ports.ts";
import { OAuth1Signer } from "../oauth1/oauth1-signer.ts";
import { percentEncode } from "../oauth1/percent-encode.ts";
import { bitbucketCallKind, type BitbucketCallKind } from "./bitbucket-call-kind.ts";
import { bitbucketErrorFromResponse } from "./bitbucket-error.ts";
import type { BuildStatus, Page, PullRequest, PullRequestComment, PullRequestState, Webhook } from "./bitbucket-types.ts";
import { parseRetryAfter } from "../lib/parse-retry-after.ts";
import { pathSegment } from "../lib/path-segment.ts";
import { truncateComment } from "./truncate-comment.ts";

export interface BitbucketClientOptions {
  server: BitbucketServerConfig;
  fetch: FetchFn;
  /** Timestamps of OAuth signatures and `Retry-After` dates. */
  clock: Clock;
  /** Per attempt, body included (default 30 s, CDS's client timeout). */
  timeoutMs?: number;
  /** Retries after a 429 or 503 (default 3). */
  maxRetries?: number;
  /** Upper bound of one wait between retries, whatever `Retry-After` says (default 30 s). */
  maxRetryWaitMs?: number;
  /** Waits between retries; tests pass one that records and returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * An OAuth 1.0a access token to sign with instead of the server's own
   * credentials (CDS sends its project's token with each call, issue #10);
   * used when the server has `privateKey`.
   */
  accessToken?: string;
  /** The server's signer, shared so its private key is imported once for all clients. */
  signer?: OAuth1Signer;
  /** Told of each call once it ended (retries included): metrics and the console (issue #16). */
  onCall?: (call: BitbucketCall) => void;
}

/** One call to Bitbucket as it ended: Bitbucket's status, or the error code when there was no answer. Never a credential. */
export interface BitbucketCall {
  server: string;
  kind: BitbucketCallKind;
  method: string;
  /** Without the query. */
  path: string;
  at: number;
  status?: number;
  error?: string;
}

export type QueryValue = string | number | boolean | undefined | readonly (string | number | boolean)[];

export interface RequestOptions {
  /** Added to the query string (encoded per RFC 3986); a query already in `path` is kept as written. */
  query?: Record<string, QueryValue>;
  /** Sent as JSON with `Content-Type: application/json`. */
  json?: unknown;
  /**
   * A call CDS made as its bot user (a pull-request comment): sent with the
   * server's HTTP access `token` as Bearer when it has one, even beside OAuth
   * credentials (docs/cds-behaviour.md#bitbucket-credentials-call-by-call).
   */
  asUser?: boolean;
}

export interface BitbucketResponse {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
}

export interface BitbucketClient {
  /** One authenticated call to `{server.url}{path}`; any HTTP status is returned, 429/503 having been retried. */
  request(method: string, path: string, options?: RequestOptions): Promise<BitbucketResponse>;
  /** `POST /rest/build-status/1.0/commits/{sha}` (what CDS's legacy client and the gateway use). */
  setBuildStatusLegacy(sha: string, status: BuildStatus): Promise<void>;
  /** `GET /rest/build-status/1.0/commits/{sha}`, all pages followed. */
  listBuildStatusesLegacy(sha: string): Promise<BuildStatus[]>;
  /** `POST /rest/api/latest/projects/{p}/repos/{r}/commits/{sha}/builds` (Bitbucket ≥ 7.14). */
  setBuildStatus(project: string, repo: string, sha: string, status: BuildStatus): Promise<void>;
  /** Every pull request of the repository, all pages followed; `state` defaults to Bitbucket's (OPEN). */
  listPullRequests(project: string, repo: string, options?: { state?: PullRequestState | "ALL" }): Promise<PullRequest[]>;
  getPullRequest(project: string, repo: string, id: number): Promise<PullRequest>;
  /** Posts `{"text"}`, cut by truncateComment when too long. */
  addPullRequestComment(project: string, repo: string, id: number, text: string): Promise<PullRequestComment>;
  /** Every repository of a project (slugs), all pages followed. */
  listRepositories(project: string): Promise<Array<{ slug: string }>>;
  listWebhooks(project: string, repo: string): Promise<Webhook[]>;
  createWebhook(project: string, repo: string, webhook: Webhook): Promise<Webhook>;
  /** PUT of the whole object: events and configuration are replaced. */
  updateWebhook(project: string, repo: string, id: number, webhook: Webhook): Promise<Webhook>;
  /** True when deleted, false when Bitbucket did not know it (404 is not an error). */
  deleteWebhook(project: string, repo: string, id: number): Promise<boolean>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_MAX_RETRY_WAIT_MS = 30_000;
/** Backoff when a 429/503 carries no usable Retry-After: 1 s, 2 s, 4 s, … */
const BASE_BACKOFF_MS = 1_000;
const PAGE_LIMIT = 100;
/** A guard against a server whose paging never ends. */
const MAX_PAGES = 1_000;

type Auth = { kind: "bearer"; token: string } | { kind: "oauth1"; signer: OAuth1Signer; token: string | undefined };

/**
 * A Bitbucket Server / Data Center REST client over an injected fetch.
 *
 * Authentication follows CDS's Bitbucket Server client (0.40–v0.53): OAuth
 * 1.0a RSA-SHA1 with `consumerKey` and `privateKey`, carrying `accessToken` as
 * `oauth_token` (2-legged without it), for every call but those made as the
 * user (`asUser`, the pull-request comment), which go with the HTTP access
 * `token` as Bearer when the server has one. A server with a `token` and no
 * `privateKey` sends every call with the token. An access token given in the
 * options (CDS's, issue #10) signs every call. A server with neither fails
 * each call with ERR_BITBUCKET_NO_CREDENTIALS.
 *
 * Typed calls throw BitbucketError (ERR_BITBUCKET_HTTP) on non-2xx answers;
 * timeouts give ERR_BITBUCKET_TIMEOUT and connection failures
 * ERR_BITBUCKET_UNREACHABLE. Secrets never appear in errors.
 */
export function createBitbucketClient(options: BitbucketClientOptions): BitbucketClient {
  const { server, fetch, clock } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const maxRetryWaitMs = options.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const authFor = selectAuth(server, clock, options);

  async function request(method: string, path: string, opts: RequestOptions = {}): Promise<BitbucketResponse> {
    const auth = authFor(opts.asUser === true);
    if (!auth) {
      throw new GatewayError(
        "ERR_BITBUCKET_NO_CREDENTIALS",
        `Bitbucket server "${server.name}" has no credentials: set token, or consumerKey and privateKey`,
      );
    }
    if (!path.startsWith("/")) throw new GatewayError("ERR_BITBUCKET_REQUEST", `path must start with "/": ${path}`);
    const upperMethod = method.toUpperCase();
    const url = server.url + withQuery(path, opts.query);
    const bare = path.split("?")[0]!;
    const what = `${upperMethod} ${bare}`;
    const ended = (answer: { status: number } | { error: string }) =>
      options.onCall?.({
        server: server.name,
        kind: bitbucketCallKind(upperMethod, bare),
        method: upperMethod,
        path: bare,
        at: clock.now(),
        ...answer,
      });
    const body = opts.json === undefined ? undefined : JSON.stringify(opts.json);

    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      // Signed per attempt: a retry gets a fresh nonce and timestamp (§3.3).
      headers.Authorization =
        auth.kind === "bearer"
          ? `Bearer ${auth.token}`
          : await auth.signer.sign({ method: upperMethod, url, headers, body: body ?? null, ...(auth.token ? { token: auth.token } : {}) });

      let response: BitbucketResponse;
      try {
        response = await send(url, { method: upperMethod, headers, ...(body !== undefined ? { body } : {}) }, what);
      } catch (error) {
        ended({ error: error instanceof GatewayError ? error.code : "ERR_BITBUCKET_UNREACHABLE" });
        throw error;
      }
      if ((response.status === 429 || response.status === 503) && attempt < maxRetries) {
        const asked = parseRetryAfter(response.headers.get("retry-after"), clock.now());
        await sleep(Math.min(asked ?? BASE_BACKOFF_MS * 2 ** attempt, maxRetryWaitMs));
        continue;
      }
      ended({ status: response.status });
      return response;
    }
  }

  async function send(
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
    what: string,
  ): Promise<BitbucketResponse> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetch(url, { ...init, signal, redirect: "manual" });
      const text = await response.text();
      return { status: response.status, statusText: response.statusText, headers: response.headers, text };
    } catch (error) {
      if (signal.aborted) {
        throw new GatewayError("ERR_BITBUCKET_TIMEOUT", `Bitbucket "${server.name}": ${what} timed out after ${timeoutMs} ms`);
      }
      throw new GatewayError("ERR_BITBUCKET_UNREACHABLE", `Bitbucket "${server.name}": ${what} failed: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  /** A call that must succeed; returns the parsed JSON body (undefined for an empty body such as 204). */
  async function call<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const response = await request(method, path, opts);
    if (response.status < 200 || response.status > 299) {
      throw bitbucketErrorFromResponse(server.name, `${method} ${path.split("?")[0]}`, response.status, response.text);
    }
    if (response.text.trim() === "") return undefined as T;
    try {
      return JSON.parse(response.text) as T;
    } catch {
      throw new GatewayError("ERR_BITBUCKET_RESPONSE", `Bitbucket "${server.name}": ${method} ${path.split("?")[0]} did not answer JSON`);
    }
  }

  async function collectPages<T>(path: string, query: Record<string, QueryValue> = {}): Promise<T[]> {
    const values: T[] = [];
    let start = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = await call<Page<T>>("GET", path, { query: { ...query, start, limit: PAGE_LIMIT } });
      if (!body || !Array.isArray(body.values)) {
        throw new GatewayError("ERR_BITBUCKET_RESPONSE", `Bitbucket "${server.name}": GET ${path} did not answer a page`);
      }
      values.push(...body.values);
      const next = body.nextPageStart;
      if (body.isLastPage !== false || typeof next !== "number" || next <= start) break;
      start = next;
    }
    return values;
  }

  // Called inside async methods: a refused segment rejects their promise.
  const repoPath = (project: string, repo: string) => `/projects/${segment(project)}/repos/${segment(repo)}`;

  return {
    request,
    async setBuildStatusLegacy(sha, status) {
      await call("POST", `/rest/build-status/1.0/commits/${segment(sha)}`, { json: status });
    },
    listBuildStatusesLegacy(sha) {
      return collectPages<BuildStatus>(`/rest/build-status/1.0/commits/${segment(sha)}`);
    },
    async setBuildStatus(project, repo, sha, status) {
      await call("POST", `/rest/api/latest${repoPath(project, repo)}/commits/${segment(sha)}/builds`, { json: status });
    },
    async listPullRequests(project, repo, opts = {}) {
      return collectPages<PullRequest>(`/rest/api/1.0${repoPath(project, repo)}/pull-requests`, { state: opts.state });
    },
    async getPullRequest(project, repo, id) {
      return call<PullRequest>("GET", `/rest/api/1.0${repoPath(project, repo)}/pull-requests/${id}`);
    },
    async addPullRequestComment(project, repo, id, text) {
      return call<PullRequestComment>("POST", `/rest/api/1.0${repoPath(project, repo)}/pull-requests/${id}/comments`, {
        json: { text: truncateComment(text) },
        asUser: true,
      });
    },
    async listRepositories(project) {
      return collectPages<{ slug: string }>(`/rest/api/latest/projects/${segment(project)}/repos`);
    },
    async listWebhooks(project, repo) {
      return collectPages<Webhook>(`/rest/api/latest${repoPath(project, repo)}/webhooks`);
    },
    async createWebhook(project, repo, webhook) {
      return call<Webhook>("POST", `/rest/api/latest${repoPath(project, repo)}/webhooks`, { json: webhook });
    },
    async updateWebhook(project, repo, id, webhook) {
      return call<Webhook>("PUT", `/rest/api/latest${repoPath(project, repo)}/webhooks/${id}`, { json: webhook });
    },
    async deleteWebhook(project, repo, id) {
      const path = `/rest/api/latest${repoPath(project, repo)}/webhooks/${id}`;
      const response = await request("DELETE", path);
      if (response.status === 404) return false;
      if (response.status < 200 || response.status > 299) {
        throw bitbucketErrorFromResponse(server.name, `DELETE ${path}`, response.status, response.text);
      }
      return true;
    },
  };
}

/** The credentials of one call, by whether it is made as the user (`asUser`). */
function selectAuth(
  server: BitbucketServerConfig,
  clock: Clock,
  options: Pick<BitbucketClientOptions, "accessToken" | "signer">,
): (asUser: boolean) => Auth | undefined {
  const privateKey = server.privateKey && server.privateKey.reveal() !== "" ? server.privateKey : undefined;
  const token = server.token?.reveal() || undefined;
  const signer = privateKey ? (options.signer ?? new OAuth1Signer({ consumerKey: server.consumerKey, privateKey, clock })) : undefined;
  if (signer && options.accessToken) {
    const cds: Auth = { kind: "oauth1", signer, token: options.accessToken };
    return () => cds;
  }
  const bearer: Auth | undefined = token ? { kind: "bearer", token } : undefined;
  const oauth: Auth | undefined = signer ? { kind: "oauth1", signer, token: server.accessToken?.reveal() || undefined } : undefined;
  return (asUser) => (asUser ? (bearer ?? oauth) : (oauth ?? bearer));
}

/**
 * A path segment such as a project key, slug or hash. encodeURIComponent
 * keeps `~`, so personal projects (`~jdoe`) stay readable, and escapes `/`,
 * `?` and `#`, which would change the request; `.` and `..` are refused
 * (ERR_PATH_SEGMENT): normalised, they would move the path (issue #11).
 */
function segment(value: string): string {
  return pathSegment(value);
}

function withQuery(path: string, query: Record<string, QueryValue> | undefined): string {
  if (!query) return path;
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values as (string | number | boolean)[]) pairs.push(`${percentEncode(name)}=${percentEncode(String(v))}`);
  }
  if (pairs.length === 0) return path;
  return path + (path.includes("?") ? "&" : "?") + pairs.join("&");
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code = typeof cause === "object" && cause !== null ? (cause as { code?: unknown }).code : undefined;
    return typeof code === "string" ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
