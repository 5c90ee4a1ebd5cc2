import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bitbucketServerConfig } from "../../test/support/bitbucket-server-config.ts";
import { startStubBitbucket, type StubBitbucket } from "../../test/support/stub-bitbucket.ts";
import { OAUTHLIB_KEY_PKCS1, OAUTHLIB_KEY_PKCS8 } from "../../test/support/rfc5849-vectors.ts";
import type { FetchFn } from "../core/ports.ts";
import { parseAuthorizationHeader } from "../oauth1/parse-authorization-header.ts";
import { BitbucketError } from "./bitbucket-error.ts";
import { createBitbucketClient, type BitbucketClientOptions } from "./bitbucket-client.ts";
import type { BuildStatus, Webhook } from "./bitbucket-types.ts";

const realFetch: FetchFn = (url, init) => fetch(url, init as RequestInit);
const clock = { now: () => Date.parse("2026-05-01T12:00:00Z") };
const SHA = "0123456789abcdef0123456789abcdef01234567";
const STATUS: BuildStatus = {
  state: "SUCCESSFUL",
  key: "PRJ-wf-build",
  name: "PRJ-wf-build12",
  url: "https://cds/x",
  description: "CDS/PRJ-wf-build",
};

let bb: StubBitbucket;
let sleeps: number[];

beforeAll(async () => {
  bb = await startStubBitbucket();
});
afterAll(async () => {
  await bb.close();
});
beforeEach(() => {
  bb.reset();
  sleeps = [];
});

function client(server: Parameters<typeof bitbucketServerConfig>[0] = { token: "bbtoken" }, options: Partial<BitbucketClientOptions> = {}) {
  return createBitbucketClient({
    server: bitbucketServerConfig({ url: bb.url, ...server }),
    fetch: realFetch,
    clock,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
}

function oauthParams(header: string | undefined): Map<string, string> {
  const parsed = parseAuthorizationHeader(header ?? "");
  expect(parsed, `not an OAuth header: ${header}`).not.toBeNull();
  return new Map(parsed);
}

describe("authentication", () => {
  it("sends Bearer <token> for every call when the server has a token and no private key", async () => {
    bb.setHandler("GET", "/rest/api/1.0/users", { json: {} });
    await client({ token: "bbtoken" }).request("GET", "/rest/api/1.0/users");
    expect(bb.requests[0]!.headers.authorization).toBe("Bearer bbtoken");
    expect(bb.requests[0]!.headers.accept).toBe("application/json");
  });

  it("with both a token and OAuth credentials, signs the build status and listings with OAuth and sends the comment with the token, as CDS did (issue #14)", async () => {
    bb.setHandler("POST", `/rest/build-status/1.0/commits/${SHA}`, { status: 204 });
    bb.setHandler("GET", "/rest/api/1.0/projects/PRJ/repos/r/pull-requests", { json: { values: [], isLastPage: true } });
    bb.setHandler("POST", "/rest/api/1.0/projects/PRJ/repos/r/pull-requests/5/comments", { json: { id: 1 } });
    const c = client({ token: "bbtoken", privateKey: OAUTHLIB_KEY_PKCS8, accessToken: "acc-tok" });
    await c.setBuildStatusLegacy(SHA, STATUS);
    await c.listPullRequests("PRJ", "r");
    await c.addPullRequestComment("PRJ", "r", 5, "hello");
    expect(oauthParams(bb.requests[0]!.headers.authorization).get("oauth_token")).toBe("acc-tok");
    expect(oauthParams(bb.requests[1]!.headers.authorization).get("oauth_token")).toBe("acc-tok");
    expect(bb.requests[2]!.headers.authorization).toBe("Bearer bbtoken");
    // Without a token the comment is signed too.
    await client({ privateKey: OAUTHLIB_KEY_PKCS8, accessToken: "acc-tok" }).addPullRequestComment("PRJ", "r", 5, "hello");
    expect(oauthParams(bb.requests[3]!.headers.authorization).get("oauth_token")).toBe("acc-tok");
  });

  it("signs with OAuth 1.0a RSA-SHA1 and carries the access token as oauth_token", async () => {
    bb.setHandler("GET", "/rest/api/1.0/users", { json: {} });
    await client({ privateKey: OAUTHLIB_KEY_PKCS1, accessToken: "acc-tok" }).request("GET", "/rest/api/1.0/users");
    const params = oauthParams(bb.requests[0]!.headers.authorization);
    expect(params.get("oauth_consumer_key")).toBe("CDS");
    expect(params.get("oauth_signature_method")).toBe("RSA-SHA1");
    expect(params.get("oauth_token")).toBe("acc-tok");
    expect(params.get("oauth_timestamp")).toBe(String(clock.now() / 1000));
    expect(params.get("oauth_version")).toBe("1.0");
    expect(params.get("oauth_signature")).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it("signs 2-legged (no oauth_token) without an access token", async () => {
    bb.setHandler("GET", "/rest/api/1.0/users", { json: {} });
    await client({ privateKey: OAUTHLIB_KEY_PKCS8 }).request("GET", "/rest/api/1.0/users");
    const params = oauthParams(bb.requests[0]!.headers.authorization);
    expect(params.has("oauth_token")).toBe(false);
    expect(params.get("oauth_consumer_key")).toBe("CDS");
  });

  it("signs with the access token it is given (CDS's) instead of the server's credentials, bearer token included, comments too", async () => {
    bb.setHandler("GET", "/x", { json: {} });
    await client(
      { token: "bbtoken", privateKey: OAUTHLIB_KEY_PKCS8, accessToken: "server-tok" },
      { accessToken: "cds-project-tok" },
    ).request("GET", "/x", { asUser: true });
    const params = oauthParams(bb.requests[0]!.headers.authorization);
    expect(params.get("oauth_token")).toBe("cds-project-tok");
    // Without a private key it cannot sign OAuth: the server's own credentials are used.
    await client({ token: "bbtoken" }, { accessToken: "cds-project-tok" }).request("GET", "/x");
    expect(bb.requests[1]!.headers.authorization).toBe("Bearer bbtoken");
  });

  it("treats empty token/accessToken values as absent", async () => {
    bb.setHandler("GET", "/x", { json: {} });
    await client({ token: "", privateKey: OAUTHLIB_KEY_PKCS8, accessToken: "" }).request("GET", "/x");
    expect(oauthParams(bb.requests[0]!.headers.authorization).has("oauth_token")).toBe(false);
  });

  it("fails with ERR_BITBUCKET_NO_CREDENTIALS without token or private key, sending nothing", async () => {
    const c = client({});
    await expect(c.setBuildStatusLegacy(SHA, STATUS)).rejects.toMatchObject({ code: "ERR_BITBUCKET_NO_CREDENTIALS" });
    await expect(c.request("GET", "/x")).rejects.toThrow(/no credentials/);
    expect(bb.requests).toHaveLength(0);
  });
});

describe("calls", () => {
  it("setBuildStatusLegacy posts JSON to /rest/build-status/1.0/commits/{sha}; 204 is success", async () => {
    bb.setHandler("POST", `/rest/build-status/1.0/commits/${SHA}`, { status: 204 });
    await client().setBuildStatusLegacy(SHA, STATUS);
    const req = bb.requests[0]!;
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers.accept).toBe("application/json");
    expect(JSON.parse(req.body)).toEqual(STATUS);
  });

  it("setBuildStatus posts to the 7.14+ builds endpoint, personal project keys kept readable", async () => {
    bb.setHandler("POST", `/rest/api/latest/projects/~jdoe/repos/my-repo/commits/${SHA}/builds`, { status: 204 });
    await client().setBuildStatus("~jdoe", "my-repo", SHA, STATUS);
    expect(bb.requests[0]!.path).toBe(`/rest/api/latest/projects/~jdoe/repos/my-repo/commits/${SHA}/builds`);
    expect(JSON.parse(bb.requests[0]!.body)).toEqual(STATUS);
  });

  it("escapes path segments that would change the request", async () => {
    bb.setHandler("GET", /./, { json: { id: 1 } });
    await client().getPullRequest("P/Q", "r?x#y", 7);
    expect(bb.requests[0]!.path).toBe("/rest/api/1.0/projects/P%2FQ/repos/r%3Fx%23y/pull-requests/7");
  });

  it("refuses a segment `.` or `..`, which URL normalisation would turn into a move up the path (issue #11)", async () => {
    bb.setHandler("GET", /./, { json: { id: 1 } });
    for (const [project, repo] of [
      ["..", ".."],
      ["PRJ", "."],
      [".", "repo"],
      ["", "repo"],
    ] as const) {
      await expect(client().getPullRequest(project, repo, 7)).rejects.toMatchObject({ code: "ERR_PATH_SEGMENT" });
    }
    await expect(client().listPullRequests("..", "..")).rejects.toMatchObject({ code: "ERR_PATH_SEGMENT" });
    expect(bb.requests).toEqual([]);
    // Dots inside a name are fine.
    await client().getPullRequest("P.Q", "..r", 7);
    expect(bb.requests[0]!.path).toBe("/rest/api/1.0/projects/P.Q/repos/..r/pull-requests/7");
  });

  it("listPullRequests follows every page and passes the state", async () => {
    const pr = (id: number) => ({
      id,
      state: "OPEN",
      fromRef: { id: `refs/heads/b${id}`, displayId: `b${id}`, latestCommit: SHA },
      toRef: { id: "refs/heads/main", displayId: "main", latestCommit: SHA },
    });
    bb.setHandler("GET", "/rest/api/1.0/projects/PRJ/repos/repo/pull-requests", (req) => {
      const start = Number(req.query.get("start"));
      if (start === 0) return { json: { values: [pr(1), pr(2)], size: 2, start: 0, isLastPage: false, nextPageStart: 2 } };
      if (start === 2) return { json: { values: [pr(3)], size: 1, start: 2, isLastPage: false, nextPageStart: 5 } };
      return { json: { values: [pr(5)], size: 1, start: 5, isLastPage: true } };
    });
    const prs = await client({ privateKey: OAUTHLIB_KEY_PKCS8, accessToken: "t" }).listPullRequests("PRJ", "repo", { state: "OPEN" });
    expect(prs.map((p) => p.id)).toEqual([1, 2, 3, 5]);
    expect(bb.requests.map((r) => [r.query.get("state"), r.query.get("start"), r.query.get("limit")])).toEqual([
      ["OPEN", "0", "100"],
      ["OPEN", "2", "100"],
      ["OPEN", "5", "100"],
    ]);
  });

  it("listBuildStatusesLegacy follows every page of /rest/build-status/1.0/commits/{sha}", async () => {
    const status = (key: string) => ({ ...STATUS, key, dateAdded: 1704880800000 });
    bb.setHandler("GET", `/rest/build-status/1.0/commits/${SHA}`, (req) =>
      req.query.get("start") === "0"
        ? { json: { values: [status("a"), status("b")], size: 2, start: 0, isLastPage: false, nextPageStart: 2 } }
        : { json: { values: [status("c")], size: 1, start: 2, isLastPage: true } },
    );
    const statuses = await client().listBuildStatusesLegacy(SHA);
    expect(statuses.map((s) => s.key)).toEqual(["a", "b", "c"]);
    expect(bb.requests.map((r) => r.query.get("start"))).toEqual(["0", "2"]);
  });

  it("listPullRequests without state sends none", async () => {
    bb.setHandler("GET", "/rest/api/1.0/projects/PRJ/repos/repo/pull-requests", { json: { values: [], isLastPage: true } });
    expect(await client().listPullRequests("PRJ", "repo")).toEqual([]);
    expect(bb.requests[0]!.query.has("state")).toBe(false);
  });

  it("getPullRequest returns the pull request", async () => {
    bb.setHandler("GET", "/rest/api/1.0/projects/PRJ/repos/repo/pull-requests/42", { json: { id: 42, state: "OPEN", title: "t" } });
    expect(await client().getPullRequest("PRJ", "repo", 42)).toMatchObject({ id: 42, title: "t" });
  });

  it("addPullRequestComment posts {text}", async () => {
    bb.setHandler("POST", "/rest/api/1.0/projects/PRJ/repos/repo/pull-requests/3/comments", (req) => ({
      status: 201,
      json: { id: 9, text: (JSON.parse(req.body) as { text: string }).text },
    }));
    const comment = await client().addPullRequestComment("PRJ", "repo", 3, "CDS Report build#1.0 ✘");
    expect(comment).toMatchObject({ id: 9, text: "CDS Report build#1.0 ✘" });
    expect(JSON.parse(bb.requests[0]!.body)).toEqual({ text: "CDS Report build#1.0 ✘" });
  });

  it("addPullRequestComment keeps 32 767 bytes and cuts 32 768", async () => {
    bb.setHandler("POST", "/rest/api/1.0/projects/PRJ/repos/repo/pull-requests/3/comments", { status: 201, json: { id: 1, text: "" } });
    const c = client();
    await c.addPullRequestComment("PRJ", "repo", 3, "a".repeat(32_767));
    await c.addPullRequestComment("PRJ", "repo", 3, "b".repeat(32_768));
    const [kept, cut] = bb.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);
    expect(kept).toBe("a".repeat(32_767));
    expect(cut).toBe("b".repeat(32_750) + "\n[truncated]");
  });

  it("manages repository webhooks: list (paged), create, update (PUT whole object), delete (404 ignored)", async () => {
    const base = "/rest/api/latest/projects/PRJ/repos/repo/webhooks";
    const hook: Webhook = {
      name: "PRJ/repo",
      url: "https://gw/2b1c7e7e-0000-4000-8000-000000000000",
      events: ["repo:refs_changed"],
      active: true,
      configuration: {},
    };
    bb.setHandler("GET", base, (req) =>
      req.query.get("start") === "0"
        ? { json: { values: [{ ...hook, id: 1 }], isLastPage: false, nextPageStart: 1 } }
        : { json: { values: [{ ...hook, id: 2 }], isLastPage: true } },
    );
    bb.setHandler("POST", base, { json: { ...hook, id: 3 } });
    bb.setHandler("PUT", `${base}/3`, (req) => ({ json: { ...(JSON.parse(req.body) as object), id: 3 } }));
    bb.setHandler("DELETE", `${base}/3`, { status: 204 });
    bb.setHandler("DELETE", `${base}/4`, { status: 404, json: { errors: [{ message: "No webhook with id 4" }] } });

    const c = client();
    expect((await c.listWebhooks("PRJ", "repo")).map((h) => h.id)).toEqual([1, 2]);
    expect(await c.createWebhook("PRJ", "repo", hook)).toMatchObject({ id: 3, url: hook.url });
    const updated = { ...hook, events: ["repo:refs_changed", "pr:merged"] };
    expect(await c.updateWebhook("PRJ", "repo", 3, updated)).toMatchObject({ id: 3, events: updated.events });
    expect(await c.deleteWebhook("PRJ", "repo", 3)).toBe(true);
    expect(await c.deleteWebhook("PRJ", "repo", 4)).toBe(false);

    expect(bb.requests.map((r) => `${r.method} ${r.pathname}`)).toEqual([
      `GET ${base}`,
      `GET ${base}`,
      `POST ${base}`,
      `PUT ${base}/3`,
      `DELETE ${base}/3`,
      `DELETE ${base}/4`,
    ]);
    expect(JSON.parse(bb.requests[3]!.body)).toEqual(updated);
    expect(JSON.parse(bb.requests[2]!.body)).toEqual(hook);
    expect(bb.requests[4]!.headers["content-type"]).toBeUndefined();
  });

  it("deleteWebhook still fails on other errors", async () => {
    bb.setHandler("DELETE", /webhooks\/5$/, { status: 401, json: { errors: [{ message: "You are not permitted" }] } });
    await expect(client().deleteWebhook("PRJ", "repo", 5)).rejects.toMatchObject({ status: 401, messages: ["You are not permitted"] });
  });

  it("request returns any status with headers and text, and adds an encoded query", async () => {
    bb.setHandler("GET", "/rest/api/1.0/projects", { status: 403, headers: { "X-AUSERNAME": "bot" }, body: "nope" });
    const res = await client().request("get", "/rest/api/1.0/projects?name=a+b", { query: { q: "x y", k: ["1", "2"], skip: undefined } });
    expect(res).toMatchObject({ status: 403, text: "nope" });
    expect(res.headers.get("x-ausername")).toBe("bot");
    expect(bb.requests[0]!.method).toBe("GET");
    expect(bb.requests[0]!.path).toBe("/rest/api/1.0/projects?name=a+b&q=x%20y&k=1&k=2");
  });

  it("request sends a JSON body with Content-Type", async () => {
    bb.setHandler("POST", "/x", { status: 201, body: "" });
    const res = await client().request("POST", "/x", { json: { a: [1] } });
    expect(res.status).toBe(201);
    expect(bb.requests[0]!.body).toBe('{"a":[1]}');
    expect(bb.requests[0]!.headers["content-type"]).toBe("application/json");
  });
});

describe("errors, retries and timeouts", () => {
  it("turns Bitbucket's error body into a BitbucketError with status and messages", async () => {
    bb.setHandler("POST", `/rest/build-status/1.0/commits/${SHA}`, {
      status: 400,
      json: { errors: [{ context: "url", message: "The url must not be longer than 450 characters", exceptionName: "x" }] },
    });
    const error = await client({ token: "super-secret-token" })
      .setBuildStatusLegacy(SHA, STATUS)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BitbucketError);
    expect(error).toMatchObject({ code: "ERR_BITBUCKET_HTTP", status: 400, messages: ["The url must not be longer than 450 characters"] });
    expect((error as Error).message).toContain("400");
    expect((error as Error).message).toContain("The url must not be longer than 450 characters");
    expect((error as Error).message).not.toContain("super-secret-token");
  });

  it("retries a 429 after the Retry-After delay, then succeeds", async () => {
    bb.setHandler("POST", `/rest/build-status/1.0/commits/${SHA}`, [{ status: 429, headers: { "Retry-After": "7" } }, { status: 204 }]);
    await client({ privateKey: OAUTHLIB_KEY_PKCS8 }).setBuildStatusLegacy(SHA, STATUS);
    expect(sleeps).toEqual([7_000]);
    expect(bb.requests).toHaveLength(2);
    // each attempt is signed afresh
    const nonces = bb.requests.map((r) => oauthParams(r.headers.authorization).get("oauth_nonce"));
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it("honours a Retry-After HTTP date against the clock", async () => {
    bb.setHandler("GET", "/x", [
      { status: 429, headers: { "Retry-After": "Fri, 01 May 2026 12:00:12 GMT" } },
      { status: 200, body: "{}" },
    ]);
    expect((await client().request("GET", "/x")).status).toBe(200);
    expect(sleeps).toEqual([12_000]);
  });

  it("retries a 503 with exponential backoff when there is no Retry-After", async () => {
    bb.setHandler("GET", "/x", [{ status: 503 }, { status: 503 }, { status: 200, body: "ok" }]);
    expect((await client().request("GET", "/x")).text).toBe("ok");
    expect(sleeps).toEqual([1_000, 2_000]);
  });

  it("caps the wait at maxRetryWaitMs", async () => {
    bb.setHandler("GET", "/x", [{ status: 429, headers: { "Retry-After": "3600" } }, { status: 200 }]);
    await client({ token: "t" }, { maxRetryWaitMs: 30_000 }).request("GET", "/x");
    expect(sleeps).toEqual([30_000]);
  });

  it("gives up after maxRetries and reports the last answer", async () => {
    bb.setHandler("POST", `/rest/build-status/1.0/commits/${SHA}`, {
      status: 429,
      headers: { "Retry-After": "1" },
      json: { errors: [{ message: "Rate limit exceeded" }] },
    });
    await expect(client().setBuildStatusLegacy(SHA, STATUS)).rejects.toMatchObject({ status: 429, messages: ["Rate limit exceeded"] });
    expect(bb.requests).toHaveLength(4);
    expect(sleeps).toEqual([1_000, 1_000, 1_000]);

    bb.reset();
    sleeps = [];
    bb.setHandler("GET", "/y", { status: 503 });
    expect((await client({ token: "t" }, { maxRetries: 1 }).request("GET", "/y")).status).toBe(503);
    expect(bb.requests).toHaveLength(2);
  });

  it("does not retry other errors", async () => {
    bb.setHandler("GET", "/x", { status: 500 });
    expect((await client().request("GET", "/x")).status).toBe(500);
    expect(bb.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("times out a call that gets no answer with ERR_BITBUCKET_TIMEOUT", async () => {
    bb.setHandler("POST", `/rest/build-status/1.0/commits/${SHA}`, { hang: true });
    await expect(client({ token: "t" }, { timeoutMs: 200 }).setBuildStatusLegacy(SHA, STATUS)).rejects.toMatchObject({
      code: "ERR_BITBUCKET_TIMEOUT",
    });
  });

  it("reports an unreachable server with ERR_BITBUCKET_UNREACHABLE", async () => {
    const c = createBitbucketClient({
      server: bitbucketServerConfig({ url: "http://127.0.0.1:1", token: "tok-secret" }),
      fetch: realFetch,
      clock,
    });
    const error = await c.request("GET", "/x").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_BITBUCKET_UNREACHABLE" });
    expect((error as Error).message).not.toContain("tok-secret");
  });

  it("reports a 2xx answer that is not JSON", async () => {
    bb.setHandler("GET", /pull-requests\/1$/, { status: 200, body: "<html>login</html>" });
    await expect(client().getPullRequest("P", "r", 1)).rejects.toMatchObject({ code: "ERR_BITBUCKET_RESPONSE" });
  });
});
