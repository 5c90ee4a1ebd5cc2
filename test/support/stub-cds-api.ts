import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { jwtVerify, SignJWT } from "jose";

/** One request as the stub CDS API received it. */
export interface ApiRequest {
  method: string;
  /** Path and query exactly as on the request line (still percent-encoded). */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** Date.now() when the request had arrived whole: to check "not before dueAt". */
  receivedAt: number;
}

export type ApiAnswer = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number };

/**
 * A stand-in for the CDS API on 127.0.0.1, the calls the branch-deletion
 * sweep makes (docs/cds-behaviour.md#deleting-a-branchs-runs):
 * - `POST <base>/auth/consumer/builtin/signin` `{"token":…}`: with the right
 *   consumer token, 200 `{"token":"<jwt>","user":…}` (or the JWT in an
 *   `X-Cds-Jwt` header), a real HS256 JWT from jose expiring after
 *   `jwtTtlSeconds`; otherwise 401.
 * - `DELETE <base>/project/{p}/workflows/{w}/runs/branch/{b}`: marks the runs
 *   whose `git.branch` is the route's `{b}` for deletion, 200 `null`. As CDS
 *   0.52 and later route (`UseEncodedPath`, the default `router: "0.52"`),
 *   `{b}` is matched still percent-encoded: `feature%2Fx` marks nothing. With
 *   `router: "0.51"` the path is decoded first, so `%2F` splits the segment
 *   and the route is not found (404).
 * - `GET <base>/project/{p}/workflows/{w}/runs?git.branch=…&offset=&limit=`:
 *   the runs newest first, tag filters applied (unless `ignoresBranchFilter`),
 *   runs marked for deletion left out (unless `listsMarkedRuns`, as v0.53's
 *   one-filter query does until the purge). As CDS does, `206` and `Link` are
 *   computed from all the workflow's runs whatever the filter, and `Link`
 *   drops the filter.
 * - `DELETE <base>/project/{p}/workflows/{w}/runs/{num}`: 202 `null`, marking
 *   the run; 404 when it is unknown or already marked.
 * Every call but the signin needs a valid, unexpired session JWT as Bearer
 * (else 401). Everything else: 404. `answer(fn)` overrides an answer;
 * `revokeSessions()` changes the signing key, so every JWT issued so far gets 401.
 */
export interface StubCdsApi {
  url: string;
  /** `<url>/cdsapi`, the `apiUrl` to configure. */
  apiUrl: string;
  requests: ApiRequest[];
  /** Every JWT issued, in order. */
  issued: string[];
  signins(): ApiRequest[];
  /** Every DELETE (runs/branch and single runs). */
  deletes(): ApiRequest[];
  /** Every GET of a runs listing. */
  lists(): ApiRequest[];
  /** Adds `count` runs of `branch` to the workflow (numbers go on from the workflow's last). */
  addRuns(project: string, workflow: string, branch: string, count: number): void;
  /** The workflow's runs not marked for deletion, newest first. */
  runs(project: string, workflow: string): StubRun[];
  /** Forgets the runs marked for deletion, as CDS's purge does. */
  purge(): void;
  answer(fn: ((req: ApiRequest) => ApiAnswer | undefined) | undefined): void;
  revokeSessions(): void;
  /** What later signins put in X-Api-Pub-Signing-Key (CDS's API restarted with a new key). */
  setPublicSigningKey(value: string | undefined): void;
  close(): Promise<void>;
}

/** One workflow run as the stub keeps it. */
export interface StubRun {
  num: number;
  branch: string;
  toDelete: boolean;
}

const BASE = "/cdsapi";

export async function startStubCdsApi(options: {
  consumerToken: string;
  jwtTtlSeconds?: number;
  jwtIn?: "body" | "header";
  /** Delay of each DELETE answer: widens the window in which two sweepers could race. */
  deleteDelayMs?: number;
  /** When set, every successful signin carries `X-Api-Pub-Signing-Key: <this>` (base64 of the API's public key PEM), as CDS's does. */
  publicSigningKey?: string;
  /** How the router reads `%2F` in a path segment: "0.52" (kept encoded, the default) or "0.51" (decoded first). */
  router?: "0.51" | "0.52";
  /** v0.53: runs marked for deletion stay in a listing with one filter until purge(). */
  listsMarkedRuns?: boolean;
  /** A CDS that lists every run of the workflow whatever `git.branch` asks. */
  ignoresBranchFilter?: boolean;
}): Promise<StubCdsApi> {
  const requests: ApiRequest[] = [];
  const issued: string[] = [];
  let key = crypto.getRandomValues(new Uint8Array(32));
  let override: ((req: ApiRequest) => ApiAnswer | undefined) | undefined;
  let signingKey = options.publicSigningKey;
  /** Runs per `project/workflow` (segments as CDS's router hands them over). */
  const workflows = new Map<string, StubRun[]>();
  const runsOf = (project: string, workflow: string): StubRun[] => {
    const key = `${project}/${workflow}`;
    let runs = workflows.get(key);
    if (!runs) workflows.set(key, (runs = []));
    return runs;
  };

  const defaultAnswer = async (req: ApiRequest): Promise<ApiAnswer> => {
    if (req.method === "POST" && req.url === `${BASE}/auth/consumer/builtin/signin`) {
      let token: unknown;
      try {
        token = (JSON.parse(req.body) as { token?: unknown }).token;
      } catch {
        return { status: 400, body: '{"message":"wrong request"}' };
      }
      if (token !== options.consumerToken) return { status: 401, body: '{"message":"unauthorized"}' };
      const jwt = await new SignJWT({ consumer: "gateway" })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("gateway-bot")
        .setIssuedAt()
        .setExpirationTime(`${options.jwtTtlSeconds ?? 3600}s`)
        .sign(key);
      issued.push(jwt);
      const user = { username: "gateway-bot", fullname: "Gateway bot" };
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (signingKey !== undefined) headers["x-api-pub-signing-key"] = signingKey;
      return options.jwtIn === "header"
        ? { status: 200, body: JSON.stringify({ user }), headers: { ...headers, "x-cds-jwt": jwt } }
        : { status: 200, body: JSON.stringify({ token: jwt, user }), headers };
    }
    const url = new URL(req.url, "http://stub");
    // 0.52+ route on the path as sent (segments stay encoded); 0.51 decodes it first.
    const path = options.router === "0.51" ? decodeURIComponent(url.pathname) : url.pathname;
    const m = /^\/cdsapi\/project\/([^/]+)\/workflows\/([^/]+)\/runs(?:\/branch\/([^/]+)|\/([^/]+))?$/.exec(path);
    if (!m) return { status: 404, body: '{"message":"not found"}' };
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    try {
      if (bearer === undefined) throw new Error("no bearer");
      await jwtVerify(bearer, key);
    } catch {
      return { status: 401, body: '{"message":"unauthorized"}' };
    }
    const [, project, workflow, branch, number] = m as unknown as [string, string, string, string | undefined, string | undefined];
    const runs = runsOf(project, workflow);
    const json = { "content-type": "application/json" };
    if (req.method === "DELETE" && branch !== undefined) {
      for (const run of runs) if (run.branch === branch) run.toDelete = true;
      return { status: 200, body: "null", headers: json, delayMs: options.deleteDelayMs };
    }
    if (req.method === "DELETE" && number !== undefined) {
      const run = runs.find((r) => String(r.num) === number && !r.toDelete);
      if (!run) return { status: 404, body: '{"message":"workflow run does not exist"}', headers: json };
      run.toDelete = true;
      return { status: 202, body: "null", headers: json, delayMs: options.deleteDelayMs };
    }
    if (req.method === "GET" && branch === undefined && number === undefined) {
      const offset = Math.max(0, Number(url.searchParams.get("offset") ?? 0) || 0);
      const limit = Number(url.searchParams.get("limit") ?? 0) || 10;
      const filters = [...url.searchParams.entries()].filter(([k]) => k !== "offset" && k !== "limit" && k !== "workflow");
      const listed = runs
        .filter((r) => options.listsMarkedRuns || !r.toDelete)
        .filter((r) => options.ignoresBranchFilter || filters.every(([k, v]) => k === "git.branch" && r.branch === v))
        .sort((a, b) => b.num - a.num);
      const page = listed.slice(offset, offset + limit);
      const count = runs.filter((r) => !r.toDelete).length;
      const headers: Record<string, string> = { ...json, "accept-range": "run 50", "content-range": `${offset}-${limit}/${count}` };
      let status = 200;
      if (page.length < count) {
        // CDS's pagination links: from the count of all runs, the filter dropped.
        status = 206;
        const base = `${BASE}/project/${project}/workflows/${workflow}/runs`;
        headers.link = `<${base}?offset=0&limit=${Math.min(limit - offset, count)}>; rel="first", <${base}?offset=${limit}&limit=${Math.min(limit + (limit - offset), count)}>; rel="next"`;
      }
      const body = page.map((r) => ({
        id: 1000 + r.num,
        num: r.num,
        status: "Success",
        start: new Date(1_700_000_000_000 + r.num * 1000).toISOString(),
        last_subnumber: 0,
        tags: [
          { tag: "git.branch", value: r.branch },
          { tag: "triggered_by", value: "gopher" },
        ],
      }));
      return { status, body: JSON.stringify(body), headers };
    }
    return { status: 404, body: '{"message":"not found"}' };
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received: ApiRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        receivedAt: Date.now(),
      };
      requests.push(received);
      void (async () => {
        const answer = override?.(received) ?? (await defaultAnswer(received));
        const send = () => {
          res.writeHead(answer.status, answer.headers ?? { "content-type": "application/json" });
          res.end(answer.body ?? "");
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    apiUrl: `${url}${BASE}`,
    requests,
    issued,
    signins: () => requests.filter((r) => r.method === "POST" && r.url.endsWith("/auth/consumer/builtin/signin")),
    deletes: () => requests.filter((r) => r.method === "DELETE"),
    lists: () => requests.filter((r) => r.method === "GET" && /\/runs(\?|$)/.test(r.url)),
    addRuns: (project, workflow, branch, count) => {
      const runs = runsOf(project, workflow);
      let num = runs.reduce((max, r) => Math.max(max, r.num), 0);
      for (let i = 0; i < count; i++) runs.push({ num: ++num, branch, toDelete: false });
    },
    runs: (project, workflow) =>
      runsOf(project, workflow)
        .filter((r) => !r.toDelete)
        .sort((a, b) => b.num - a.num),
    purge: () => {
      for (const [key, runs] of workflows)
        workflows.set(
          key,
          runs.filter((r) => !r.toDelete),
        );
    },
    answer: (fn) => {
      override = fn;
    },
    revokeSessions: () => {
      key = crypto.getRandomValues(new Uint8Array(32));
    },
    setPublicSigningKey: (value) => {
      signingKey = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
