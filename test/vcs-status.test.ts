import { waitFor } from "./support/wait-for.ts";
import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OAUTHLIB_KEY_PKCS1 } from "./support/rfc5849-vectors.ts";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubBitbucket, type StubBitbucket, type StubRequest } from "./support/stub-bitbucket.ts";

/**
 * Build statuses and pull-request comments (issue #4): the real Node server
 * (built bin) receives CDS run events on `/vcs/<server>/…` and talks to a stub
 * Bitbucket on loopback.
 */

const API_TOKEN = "gw-api-token-3b1f9c";
const BB_TOKEN = "bb-http-token-77aa";
const BB_OAUTH_TOKEN = "oauth-access-token-51d2";

const HEAD = "8c5f1e3b2a9d4c7e6f0a1b2c3d4e5f6a7b8c9d0e";
const PRS_PATH = "/rest/api/1.0/projects/PRJ/repos/my-repo/pull-requests";

/** A CDS `sdk.Event` for a workflow node run, as the API marshals it (Go omits a zero subnum). */
function runEvent(payload: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timestamp: "2024-01-10T10:00:00Z",
    hostname: "cds-api-1",
    cdsname: "prod",
    type_event: "sdk.EventRunWorkflowNode",
    project_key: "PRJ",
    workflow_name: "wf",
    workflow_run_num: 12,
    status: "Fail",
    payload: {
      id: 991,
      num: 12,
      status: "Fail",
      hash: HEAD,
      branch_name: "feature/x",
      node_name: "build",
      workflow_node_run_id: 991,
      repository_manager_name: "Bitbucket",
      repository_full_name: "PRJ/my-repo",
      stages_summary: [
        {
          id: 1,
          name: "Stage 1",
          build_order: 1,
          enabled: true,
          status: "Fail",
          run_jobs_summary: [{ id: 5, status: "Fail", job_summary: { job_name: "my job", steps: [] } }],
        },
      ],
      ...payload,
    },
    ...top,
  };
}

function pullRequest(id: number, branch: string, latestCommit: string) {
  return {
    id,
    version: 1,
    title: `PR ${id}`,
    state: "OPEN",
    open: true,
    closed: false,
    fromRef: { id: `refs/heads/${branch}`, displayId: branch, latestCommit, repository: { slug: "my-repo", project: { key: "PRJ" } } },
    toRef: {
      id: "refs/heads/main",
      displayId: "main",
      latestCommit: "0".repeat(40),
      repository: { slug: "my-repo", project: { key: "PRJ" } },
    },
  };
}

/** RFC 3986 percent-encoding, as OAuth 1.0a requires (independent of the gateway's code). */
const pct = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Checks an `Authorization: OAuth …` header against the RSA public key of the configured private key. */
function verifyOAuth(request: StubRequest, url: string): Record<string, string> {
  const header = request.headers.authorization ?? "";
  expect(header.startsWith("OAuth ")).toBe(true);
  const params: Record<string, string> = {};
  for (const part of header.slice("OAuth ".length).split(",")) {
    const m = /^([^=]+)="([^"]*)"$/.exec(part.trim());
    expect(m).not.toBeNull();
    params[decodeURIComponent(m![1]!)] = decodeURIComponent(m![2]!);
  }
  expect(Object.keys(params).every((k) => k.startsWith("oauth_"))).toBe(true);
  const { oauth_signature: signature, ...signed } = params;
  // Signed: the oauth_* parameters and the query string (no body: it is JSON).
  const normalized = [...Object.entries(signed), ...request.query.entries()]
    .map(([k, v]) => [pct(k), pct(v)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const base = `${request.method}&${pct(url)}&${pct(normalized)}`;
  const ok = verify("RSA-SHA1", Buffer.from(base), createPublicKey(OAUTHLIB_KEY_PKCS1), Buffer.from(signature ?? "", "base64"));
  expect(ok).toBe(true);
  return params;
}

describe("build statuses and pull-request comments on the Node server", () => {
  let bb: StubBitbucket;
  let gateway: GatewayProcess;
  let prs: ReturnType<typeof pullRequest>[];
  let commentId = 100;

  beforeAll(async () => {
    bb = await startStubBitbucket();
    const dir = mkdtempSync(join(tmpdir(), "cds-gw-vcs-"));
    writeFileSync(join(dir, "key.pem"), OAUTHLIB_KEY_PKCS1);
    // Written out, not built (test/support/gateway-toml.ts): CDS's own layout, `Status` as CDS spells it and a GitHub server.
    const config = writeConfig(
      `
[gateway]
apiTokens = ["env:GATEWAY_API_TOKEN"]
store = "sqlite:${dir}/gateway.db"

[gateway.cds.prod]
hooksUrl = "https://cds.example.com/cdshooks"
uiUrl = "https://cds.example.com"

[gateway.cds.staging]
hooksUrl = "https://staging.example.com/cdshooks"
uiUrl = "https://ui.staging.example.com"

[vcs.servers.Bitbucket]
url = "${bb.url}"
  [vcs.servers.Bitbucket.bitbucket]
  consumerKey = "CDS"
  privateKey = "file:key.pem"
  accessToken = "env:BB_OAUTH_TOKEN"

[vcs.servers.WithToken]
url = "${bb.url}"
  [vcs.servers.WithToken.bitbucket]
  consumerKey = "CDS"
  privateKey = "file:key.pem"
  accessToken = "env:BB_OAUTH_TOKEN"
  token = "env:BB_TOKEN"

[vcs.servers.Quiet]
url = "${bb.url}"
  [vcs.servers.Quiet.bitbucket]
  token = "env:BB_TOKEN"
    [vcs.servers.Quiet.bitbucket.Status]
    disable = true

[vcs.servers.NoDetail]
url = "${bb.url}"
  [vcs.servers.NoDetail.bitbucket]
  token = "env:BB_TOKEN"
    [vcs.servers.NoDetail.bitbucket.Status]
    showDetail = false

[vcs.servers.Github]
url = "https://github.example.com"
  [vcs.servers.Github.github]
  token = "not ours"
`,
      dir,
    );
    gateway = await startGateway(config, {
      env: { GATEWAY_API_TOKEN: API_TOKEN, BB_TOKEN, BB_OAUTH_TOKEN },
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await bb?.close();
  });

  beforeEach(() => {
    bb.reset();
    prs = [pullRequest(8, "other-branch", HEAD), pullRequest(7, "feature/x", HEAD)];
    bb.setHandler("POST", /^\/rest\/build-status\/1\.0\/commits\/[0-9a-f]+$/, { status: 204 });
    bb.setHandler("GET", PRS_PATH, () => ({ json: { size: prs.length, limit: 100, start: 0, isLastPage: true, values: prs } }));
    bb.setHandler("POST", /^\/rest\/api\/1\.0\/projects\/[^/]+\/repos\/[^/]+\/pull-requests\/\d+\/comments$/, (req) => ({
      status: 201,
      json: { id: ++commentId, version: 0, text: JSON.parse(req.body).text },
    }));
  });

  const send = (path: string, body: unknown, token: string | null = API_TOKEN) =>
    fetch(`${gateway.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const postEvent = async (server: string, event: unknown, query = "") => {
    // The node's vcs server, as CDS names it: the server posted to, lower-cased by CDS's loader.
    const payload = (event as { payload?: Record<string, unknown> }).payload;
    if (payload?.repository_manager_name === "Bitbucket") payload.repository_manager_name = server.toLowerCase();
    const res = await send(`/vcs/${server}/status${query}`, event);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const statusPosts = () => bb.requests.filter((r) => r.method === "POST" && r.pathname.startsWith("/rest/build-status/"));
  const commentPosts = () => bb.requests.filter((r) => r.method === "POST" && r.pathname.endsWith("/comments"));

  it("Building → INPROGRESS, signed with OAuth 1.0a RSA-SHA1 and the access token", async () => {
    const hash = "1111111111111111111111111111111111111111";
    const { status, body } = await postEvent("Bitbucket", runEvent({ status: "Building", hash }));
    expect(status).toBe(200);
    expect(body).toEqual({ posted: true, state: "INPROGRESS" });

    expect(bb.requests).toHaveLength(1);
    const request = bb.requests[0]!;
    expect(request.method).toBe("POST");
    expect(request.pathname).toBe(`/rest/build-status/1.0/commits/${hash}`);
    expect(request.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(request.body)).toEqual({
      state: "INPROGRESS",
      key: "PRJ-wf-build",
      name: "PRJ-wf-build12",
      description: "CDS/PRJ-wf-build",
      url: "https://cds.example.com/project/PRJ/workflow/wf/run/12",
    });
    const oauth = verifyOAuth(request, `${bb.url}/rest/build-status/1.0/commits/${hash}`);
    expect(oauth.oauth_consumer_key).toBe("CDS");
    expect(oauth.oauth_signature_method).toBe("RSA-SHA1");
    expect(oauth.oauth_token).toBe(BB_OAUTH_TOKEN);
  });

  it("Fail → FAILED and exactly one comment on the pull request of the run's branch, not on another branch's PR of the same commit", async () => {
    const { status, body } = await postEvent("Bitbucket", runEvent());
    expect(status).toBe(200);
    expect(body).toEqual({ posted: true, state: "FAILED", comment: { posted: true, pullRequest: 7 } });

    expect(statusPosts()).toHaveLength(1);
    expect(JSON.parse(statusPosts()[0]!.body).state).toBe("FAILED");
    const list = bb.requests.find((r) => r.method === "GET")!;
    expect(list.pathname).toBe(PRS_PATH);
    expect(list.query.get("state")).toBe("OPEN");
    verifyOAuth(list, `${bb.url}${PRS_PATH}`);

    expect(commentPosts()).toHaveLength(1);
    const comment = commentPosts()[0]!;
    expect(comment.pathname).toBe(`${PRS_PATH}/7/comments`);
    expect(JSON.parse(comment.body)).toEqual({ text: "\nCDS Report build#12.0 ✘  \n* Stage 1\n  * my job ✘  \n" });
    verifyOAuth(comment, `${bb.url}${PRS_PATH}/7/comments`);
  });

  it("a second identical Fail event posts no second comment (and no unchanged status)", async () => {
    const event = runEvent({ num: 14 }, { workflow_run_num: 14 });
    const first = await postEvent("Bitbucket", event);
    expect(first.body).toEqual({ posted: true, state: "FAILED", comment: { posted: true, pullRequest: 7 } });
    expect(statusPosts()).toHaveLength(1);
    expect(commentPosts()).toHaveLength(1);

    const { status, body } = await postEvent("Bitbucket", event);
    expect(status).toBe(200);
    expect(body).toEqual({
      posted: false,
      reason: "unchanged",
      state: "FAILED",
      comment: { posted: false, reason: "already_posted", pullRequest: 7 },
    });
    expect(statusPosts()).toHaveLength(1);
    expect(commentPosts()).toHaveLength(1);
  });

  it("concurrent identical Fail events comment once", async () => {
    const event = runEvent({ num: 13 }, { workflow_run_num: 13 });
    const answers = await Promise.all([1, 2, 3, 4].map(() => postEvent("Bitbucket", event)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.filter((a) => (a.body.comment as { posted: boolean }).posted)).toHaveLength(1);
    expect(commentPosts()).toHaveLength(1);
    expect(JSON.parse(commentPosts()[0]!.body).text).toBe("\nCDS Report build#13.0 ✘  \n* Stage 1\n  * my job ✘  \n");
  });

  it("Success → SUCCESSFUL and no comment", async () => {
    const hash = "2222222222222222222222222222222222222222";
    const { body } = await postEvent("Bitbucket", runEvent({ status: "Success", hash, stages_summary: [] }));
    expect(body).toEqual({ posted: true, state: "SUCCESSFUL" });
    expect(bb.requests.map((r) => `${r.method} ${r.pathname}`)).toEqual([`POST /rest/build-status/1.0/commits/${hash}`]);
    expect(JSON.parse(bb.requests[0]!.body).state).toBe("SUCCESSFUL");
  });

  it("a server with Status.disable posts no build status, but still comments on a failure", async () => {
    const quiet = await postEvent("Quiet", runEvent({ status: "Success" }));
    expect(quiet.status).toBe(200);
    expect(quiet.body).toEqual({ posted: false, reason: "disabled", state: "SUCCESSFUL" });
    expect(bb.requests).toHaveLength(0);

    const failed = await postEvent("Quiet", runEvent({ num: 20 }, { workflow_run_num: 20 }));
    expect(failed.body).toEqual({ posted: false, reason: "disabled", state: "FAILED", comment: { posted: true, pullRequest: 7 } });
    expect(statusPosts()).toHaveLength(0);
    expect(commentPosts()).toHaveLength(1);
  });

  it("a server with a token and OAuth credentials signs the status and the listing with OAuth, and comments with the token, as CDS did (issue #14)", async () => {
    const hash = "3333333333333333333333333333333333333333";
    prs = [pullRequest(7, "feature/x", hash)];
    const { body } = await postEvent("WithToken", runEvent({ hash }));
    expect(body).toEqual({ posted: true, state: "FAILED", comment: { posted: true, pullRequest: 7 } });
    expect(bb.requests).toHaveLength(3);
    const [status, list, comment] = bb.requests;
    expect(verifyOAuth(status!, `${bb.url}/rest/build-status/1.0/commits/${hash}`).oauth_token).toBe(BB_OAUTH_TOKEN);
    expect(verifyOAuth(list!, `${bb.url}${PRS_PATH}`).oauth_token).toBe(BB_OAUTH_TOKEN);
    expect(comment!.headers.authorization).toBe(`Bearer ${BB_TOKEN}`);
  });

  it("matches server names without regard to case, in the path and in repository_manager_name, and leaves another server's events alone (issue #14)", async () => {
    const hash = "3434343434343434343434343434343434343434";
    const lower = await send(`/vcs/withtoken/status`, runEvent({ status: "Building", hash, repository_manager_name: "withtoken" }));
    expect(lower.status).toBe(200);
    expect(await lower.json()).toEqual({ posted: true, state: "INPROGRESS" });
    expect(statusPosts()).toHaveLength(1);
    const other = await send(`/vcs/WithToken/status`, runEvent({ status: "Building", hash, repository_manager_name: "github" }));
    expect(other.status).toBe(200);
    expect(await other.json()).toEqual({ posted: false, reason: "other_server" });
    expect(statusPosts()).toHaveLength(1);
    // Go field names (CDS 0.40–0.45) too.
    const { payload, ...top } = runEvent({ status: "Building", hash });
    void payload;
    const goPayload = { NodeName: "build", Number: 12, Status: "Building", Hash: hash, RepositoryManagerName: "GitHub" };
    expect(await (await send(`/vcs/WithToken/status`, { ...top, payload: goPayload })).json()).toEqual({
      posted: false,
      reason: "other_server",
    });
  });

  it("showDetail = false links the status to uiUrl only", async () => {
    const hash = "4444444444444444444444444444444444444444";
    const { body } = await postEvent("NoDetail", runEvent({ status: "Building", hash }));
    expect(body).toEqual({ posted: true, state: "INPROGRESS" });
    expect(JSON.parse(statusPosts()[0]!.body).url).toBe("https://cds.example.com");
  });

  it("a Stopped run → FAILED and a comment marked ■", async () => {
    const hash = "5555555555555555555555555555555555555555";
    prs = [pullRequest(7, "feature/x", hash)];
    const stages = [
      {
        id: 1,
        name: "Build",
        run_jobs_summary: [
          { status: "Success", job_summary: { job_name: "compile" } },
          { status: "Stopped", job_summary: { job_name: "test" } },
        ],
      },
      { id: 2, name: "Deploy", run_jobs_summary: [] },
    ];
    const { body } = await postEvent("WithToken", runEvent({ status: "Stopped", hash, subnum: 1, stages_summary: stages }));
    expect(body).toEqual({ posted: true, state: "FAILED", comment: { posted: true, pullRequest: 7 } });
    expect(JSON.parse(statusPosts()[0]!.body).state).toBe("FAILED");
    expect(JSON.parse(commentPosts()[0]!.body).text).toBe("\nCDS Report build#12.1 ■   \n* Build\n  * compile ✔ \n  * test ■   \n");
  });

  it("a run whose hash is no longer the pull request's head gets its status but no comment", async () => {
    const hash = "6666666666666666666666666666666666666666";
    prs = [pullRequest(7, "feature/x", "7777777777777777777777777777777777777777")];
    const { body } = await postEvent("WithToken", runEvent({ hash }));
    expect(body).toEqual({ posted: true, state: "FAILED", comment: { posted: false, reason: "no_pull_request" } });
    expect(statusPosts()).toHaveLength(1);
    expect(commentPosts()).toHaveLength(0);
  });

  it("matches a pull request head given as a 12-character prefix", async () => {
    const hash = "8888888888888888888888888888888888888888";
    prs = [pullRequest(9, "feature/x", hash.slice(0, 12))];
    const { body } = await postEvent("WithToken", runEvent({ hash }));
    expect(body.comment).toEqual({ posted: true, pullRequest: 9 });
  });

  it("a bad or missing API token gets 401 and nothing reaches Bitbucket", async () => {
    for (const token of [null, "wrong-token", `${API_TOKEN}x`, ""]) {
      const res = await send("/vcs/Bitbucket/status", runEvent({ num: 30 }), token);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe("unauthorized");
      const comment = await send("/vcs/Bitbucket/repos/PRJ/my-repo/pullrequests/comments", { id: 7, message: "x" }, token);
      expect(comment.status).toBe(401);
    }
    const basic = await fetch(`${gateway.url}/vcs/Bitbucket/status`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`x:${API_TOKEN}`).toString("base64")}` },
      body: JSON.stringify(runEvent()),
    });
    expect(basic.status).toBe(401);
    expect(bb.requests).toHaveLength(0);
  });

  it("an unknown server gets 404, a server that is not Bitbucket too", async () => {
    for (const server of ["Nope", "Github", "constructor", "__proto__"]) {
      const { status, body } = await postEvent(server, runEvent());
      expect(status).toBe(404);
      expect(body.error).toBe("unknown_server");
    }
    expect((await send("/vcs/Nope/repos/PRJ/r/pullrequests/comments", { id: 1, message: "x" })).status).toBe(404);
    expect(bb.requests).toHaveLength(0);
  });

  it("malformed bodies get 400 naming the field, and nothing is posted", async () => {
    const cases: [unknown, string][] = [
      ["{not json", "the body must be JSON"],
      [[], "the body must be a JSON object (a CDS event)"],
      [{ payload: {} }, "type_event is required"],
      [runEvent({ hash: undefined }), "payload.hash is required"],
      [runEvent({ status: undefined }), "payload.status is required"],
      [runEvent({ node_name: undefined }), "payload.node_name is required"],
      [runEvent({}, { project_key: undefined }), "project_key is required"],
      [runEvent({ num: undefined }, { workflow_run_num: undefined }), "payload.num is required"],
      [runEvent({ hash: "not-a-hash" }), "payload.hash must be a hexadecimal commit id"],
      [runEvent({ stages_summary: "x" }), "payload.stages_summary must be an array"],
    ];
    for (const [event, message] of cases) {
      const { status, body } = await postEvent("Bitbucket", event);
      expect(status).toBe(400);
      expect(body).toEqual({ error: "bad_request", message });
    }
    expect(bb.requests).toHaveLength(0);
  });

  it("answers 200 to other event types and posts nothing", async () => {
    const { status, body } = await postEvent("Bitbucket", {
      type_event: "sdk.EventRunWorkflow",
      project_key: "PRJ",
      payload: { status: "Fail" },
    });
    expect(status).toBe(200);
    expect(body).toEqual({ posted: false, reason: "ignored_event" });
    expect(bb.requests).toHaveLength(0);
  });

  it("links to the CDS instance named by ?cds=, else by cdsname; 400 when it cannot tell", async () => {
    const hash = "9999999999999999999999999999999999999999";
    await postEvent("WithToken", runEvent({ status: "Building", hash }), "?cds=staging");
    expect(JSON.parse(statusPosts()[0]!.body).url).toBe("https://ui.staging.example.com/project/PRJ/workflow/wf/run/12");

    const byName = await postEvent("WithToken", runEvent({ status: "Success", hash }, { cdsname: "staging" }));
    expect(byName.body).toEqual({ posted: true, state: "SUCCESSFUL" });
    expect(JSON.parse(statusPosts()[1]!.body).url).toBe("https://ui.staging.example.com/project/PRJ/workflow/wf/run/12");

    const before = bb.requests.length;
    const unknown = await postEvent("WithToken", runEvent({ status: "Building", hash }), "?cds=elsewhere");
    expect(unknown.status).toBe(400);
    const ambiguous = await postEvent("WithToken", runEvent({ status: "Building", hash }, { cdsname: undefined }));
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error).toBe("bad_request");
    expect(bb.requests.length).toBe(before);
  });

  it("Bitbucket's refusal reaches the caller as 502 with its messages, and nothing is remembered", async () => {
    const hash = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
    bb.setHandler("POST", `/rest/build-status/1.0/commits/${hash}`, [
      {
        status: 401,
        json: {
          errors: [
            {
              context: null,
              message: "Authentication failed. Please check your credentials and try again.",
              exceptionName: "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException",
            },
          ],
        },
      },
      { status: 204 },
    ]);
    const refused = await postEvent("WithToken", runEvent({ status: "Building", hash }));
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({
      error: "bitbucket_error",
      status: 401,
      messages: ["Authentication failed. Please check your credentials and try again."],
    });
    // Not remembered: the same event posts again.
    const again = await postEvent("WithToken", runEvent({ status: "Building", hash }));
    expect(again.body).toEqual({ posted: true, state: "INPROGRESS" });
  });

  it("a comment that Bitbucket refuses is answered 502 and can be posted by a retry of the event", async () => {
    const hash = "abcdef0123456789abcdef0123456789abcdef01";
    prs = [pullRequest(7, "feature/x", hash)];
    bb.setHandler("POST", `${PRS_PATH}/7/comments`, [
      { status: 404, json: { errors: [{ message: "Pull request 7 does not exist in PRJ/my-repo." }] } },
      { status: 201, json: { id: 9001, text: "x" } },
    ]);
    // A run number of its own: a comment is claimed per (PR, key, run number, sub-number).
    const event = runEvent({ hash, num: 40 }, { workflow_run_num: 40 });
    const refused = await postEvent("WithToken", event);
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({
      error: "bitbucket_error",
      status: 404,
      messages: ["Pull request 7 does not exist in PRJ/my-repo."],
    });
    const retried = await postEvent("WithToken", event);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ posted: false, reason: "unchanged", state: "FAILED", comment: { posted: true, pullRequest: 7 } });
    expect(commentPosts()).toHaveLength(2);
  });

  it("retries 429/503 a bounded number of times, honouring Retry-After", async () => {
    const hash = "fedcba9876543210fedcba9876543210fedcba98";
    bb.setHandler("POST", `/rest/build-status/1.0/commits/${hash}`, [{ status: 503, headers: { "Retry-After": "0" } }, { status: 204 }]);
    expect((await postEvent("WithToken", runEvent({ status: "Building", hash }))).body).toEqual({ posted: true, state: "INPROGRESS" });
    expect(statusPosts()).toHaveLength(2);

    bb.reset();
    bb.setHandler("POST", `/rest/build-status/1.0/commits/${hash}`, { status: 429, headers: { "Retry-After": "0" } });
    const gaveUp = await postEvent("WithToken", runEvent({ status: "Success", hash }));
    expect(gaveUp.status).toBe(502);
    expect(gaveUp.body).toMatchObject({ error: "bitbucket_error", status: 429 });
    expect(statusPosts()).toHaveLength(4);
  });

  it("posts a comment given as {id, message} to the pull request, for personal projects too", async () => {
    const res = await send("/vcs/WithToken/repos/~jdoe/tools/pullrequests/comments", { id: 3, message: "hello from CDS", revision: "abc" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ posted: true, pullRequest: 3, comment: commentId });
    expect(bb.requests).toHaveLength(1);
    expect(bb.requests[0]!.pathname).toBe("/rest/api/1.0/projects/~jdoe/repos/tools/pull-requests/3/comments");
    expect(JSON.parse(bb.requests[0]!.body)).toEqual({ text: "hello from CDS" });
    expect(bb.requests[0]!.headers.authorization).toBe(`Bearer ${BB_TOKEN}`);
  });

  it("cuts an over-long comment to 32 750 characters plus \\n[truncated]", async () => {
    const res = await send("/vcs/Bitbucket/repos/PRJ/my-repo/pullrequests/comments", { id: 7, message: "x".repeat(40_000) });
    expect(res.status).toBe(200);
    const text = JSON.parse(bb.requests[0]!.body).text as string;
    expect(text).toBe(`${"x".repeat(32_750)}\n[truncated]`);
    verifyOAuth(bb.requests[0]!, `${bb.url}${PRS_PATH}/7/comments`);
  });

  it("refuses a bad comment request with 400 and passes Bitbucket's refusal on as 502", async () => {
    for (const [body, message] of [
      [{ message: "x" }, "id is required"],
      [{ id: 7 }, "message is required"],
      [{ id: -2, message: "x" }, "id must be a positive integer (the pull request id)"],
    ] as const) {
      const res = await send("/vcs/WithToken/repos/PRJ/my-repo/pullrequests/comments", body);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "bad_request", message });
    }
    expect(bb.requests).toHaveLength(0);

    bb.setHandler("POST", `${PRS_PATH}/7/comments`, {
      status: 403,
      json: { errors: [{ message: "You are not permitted to access this resource" }] },
    });
    const res = await send("/vcs/WithToken/repos/PRJ/my-repo/pullrequests/comments", { id: 7, message: "x" });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      error: "bitbucket_error",
      status: 403,
      messages: ["You are not permitted to access this resource"],
    });
  });

  it("other methods on these routes get 405", async () => {
    const res = await fetch(`${gateway.url}/vcs/Bitbucket/status`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(res.status).toBe(405);
    expect(bb.requests).toHaveLength(0);
  });

  it("never writes a secret to its output", async () => {
    // Log lines are written in batches (issue #13): the last ones come within a flush.
    expect(await waitFor(() => gateway.output().includes("build status posted"))).toBe(true);
    const output = gateway.output();
    for (const secret of [API_TOKEN, BB_TOKEN, BB_OAUTH_TOKEN, "MIICXgIBAAKBgQDk1"]) expect(output).not.toContain(secret);
  });
});
