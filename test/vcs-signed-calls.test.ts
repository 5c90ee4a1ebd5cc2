import { createPublicKey } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cdsApiKey, signLikeCds } from "./support/cds-http-signature.ts";
import { cdsCall as signedCall, goFieldFailEvent, type RawAnswer, sendRaw, snakeCaseFailEvent } from "./support/cds-vcs-calls.ts";
import { type OauthlibVerifier, requirePythonOauthlib, startOauthlibVerifier } from "./support/oauthlib-verifier.ts";
import { OAUTHLIB_KEY_PKCS1, OAUTHLIB_KEY_PKCS8 } from "./support/rfc5849-vectors.ts";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubBitbucket, type StubBitbucket, type StubReply, type StubRequest } from "./support/stub-bitbucket.ts";
import { startStubCdsApi, type StubCdsApi } from "./support/stub-cds-api.ts";
import { startStubVcsService, type StubVcsService } from "./support/stub-vcs-service.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

/**
 * CDS's API calling the gateway as its vcs service (issue #10), against the
 * built Node server: requests signed by an independent draft-cavage
 * implementation (npm's http-signature) the way CDS's API signs them, Bitbucket
 * calls checked by Python's oauthlib, other calls passed on to a stub vcs
 * service that verifies the signature itself.
 */

const CDS_TOKEN = "cds-consumer-token-9f2e";
const BB_OAUTH_TOKEN = "server-oauth-token-0c1d";
const PROJECT_TOKEN = "project-oauth-token-from-cds-7a";
const API_TOKEN = "gw-api-token-signed-tests";
const HEAD = "8c5f1e3b2a9d4c7e6f0a1b2c3d4e5f6a7b8c9d0e";
const PRS_PATH = "/rest/api/1.0/projects/PRJ/repos/my-repo/pull-requests";

const prodKey = cdsApiKey();
const stagingKey = cdsApiKey();
const strangerKey = cdsApiKey();

const snakeCaseEvent = (hash = HEAD) => snakeCaseFailEvent(hash, 12);
const goFieldEvent = (hash = HEAD) => goFieldFailEvent(hash, 13);

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe("CDS's API calling the gateway as its vcs service (Node)", () => {
  let bb: StubBitbucket;
  let oauthlib: OauthlibVerifier;
  let vcs: StubVcsService;
  let cdsApi: StubCdsApi;
  let gateway: GatewayProcess;
  let host: string;
  /** oauthlib's verdict on every request that reached Bitbucket. */
  let verdicts: string[];

  /** Asks oauthlib about the request Bitbucket received (same method, path, headers and body), then answers `reply`. */
  const oauthChecked =
    (reply: StubReply | ((req: StubRequest) => StubReply)) =>
    async (req: StubRequest): Promise<StubReply> => {
      const verdict = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const out = httpRequest(
          { host: "127.0.0.1", port: oauthlib.port, method: req.method, path: req.path, headers: req.headers },
          (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        out.on("error", reject);
        out.end(req.body);
      });
      verdicts.push(verdict.status === 200 ? "ok" : verdict.text);
      if (verdict.status !== 200) return { status: 401, body: verdict.text, headers: { "content-type": "application/json" } };
      return typeof reply === "function" ? reply(req) : reply;
    };

  beforeAll(async () => {
    await requirePythonOauthlib();
    bb = await startStubBitbucket();
    vcs = await startStubVcsService([prodKey.publicKeyPem, stagingKey.publicKeyPem]);
    cdsApi = await startStubCdsApi({ consumerToken: CDS_TOKEN, publicSigningKey: stagingKey.signinHeader });
    const dir = mkdtempSync(join(tmpdir(), "cds-gw-signed-"));
    writeFileSync(join(dir, "key.pem"), OAUTHLIB_KEY_PKCS1);
    writeFileSync(join(dir, "api.pub"), prodKey.publicKeyPem);
    writeFileSync(join(dir, "oauthlib.pub"), createPublicKey(OAUTHLIB_KEY_PKCS8).export({ type: "spki", format: "pem" }).toString());
    oauthlib = await startOauthlibVerifier(join(dir, "oauthlib.pub"), "CDS");
    const config = writeConfig(
      gatewayToml({
        gateway: { apiTokens: ["env:GATEWAY_API_TOKEN"], store: `sqlite:${dir}/gateway.db` },
        cds: {
          prod: {
            hooksUrl: "https://cds.example.com/cdshooks",
            uiUrl: "https://cds.example.com",
            vcsUrl: vcs.url,
            apiPublicKey: "file:api.pub",
          },
          staging: {
            hooksUrl: "https://staging.example.com/cdshooks",
            uiUrl: "https://ui.staging.example.com",
            apiUrl: cdsApi.apiUrl,
            token: "env:CDS_TOKEN",
          },
        },
        servers: {
          Bitbucket: { url: bb.url, bitbucket: { consumerKey: "CDS", privateKey: "file:key.pem", accessToken: "env:BB_OAUTH_TOKEN" } },
        },
      }),
      dir,
    );
    gateway = await startGateway(config, { env: { GATEWAY_API_TOKEN: API_TOKEN, CDS_TOKEN, BB_OAUTH_TOKEN } });
    host = `127.0.0.1:${gateway.port}`;
  });

  afterAll(async () => {
    await gateway?.stop();
    await oauthlib?.stop();
    await bb?.close();
    await vcs?.close();
    await cdsApi?.close();
  });

  beforeEach(() => {
    bb.reset();
    vcs.calls.length = 0;
    verdicts = [];
    bb.setHandler("POST", /^\/rest\/build-status\/1\.0\/commits\/[0-9a-f]+$/, oauthChecked({ status: 204 }));
    bb.setHandler(
      "POST",
      /^\/rest\/api\/1\.0\/projects\/[^/]+\/repos\/[^/]+\/pull-requests\/\d+\/comments$/,
      oauthChecked((req) => ({
        status: 201,
        json: { id: 501, version: 0, text: JSON.parse(req.body).text },
      })),
    );
  });

  type Sent = RawAnswer;
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    sendRaw({ port: gateway.port, host }, method, path, headers, body);

  /** A call as CDS's API makes it: JSON, the project's access token (base64), signed with the API key, no Date. */
  const cdsCall = (
    method: string,
    path: string,
    body?: unknown,
    options: { key?: string; date?: string | null; signedPath?: string } = {},
  ) =>
    signedCall({ port: gateway.port, host }, method, path, body, {
      ...options,
      privateKeyPem: options.key ?? prodKey.privateKeyPem,
      accessToken: PROJECT_TOKEN,
    });

  const statusPosts = () => bb.requests.filter((r) => r.method === "POST" && r.pathname.startsWith("/rest/build-status/"));
  const commentPosts = () => bb.requests.filter((r) => r.method === "POST" && r.pathname.endsWith("/comments"));
  const oauthToken = (r: StubRequest) => /oauth_token="([^"]*)"/.exec(r.headers.authorization ?? "")?.[1];

  for (const [generation, event, number] of [
    ["snake_case payload, CDS 0.46+", snakeCaseEvent, 12],
    ["Go field names, CDS 0.40–0.45", goFieldEvent, 13],
  ] as const) {
    it(`a Fail event (${generation}) posts one FAILED status with CDS's key, name and link, signed with CDS's access token; no comment`, async () => {
      const res = await cdsCall("POST", "/vcs/bitbucket/status", event());
      expect(res.status, res.text).toBe(200);
      expect(JSON.parse(res.text)).toEqual({ posted: true, state: "FAILED" });

      expect(bb.requests).toHaveLength(1);
      expect(statusPosts()).toHaveLength(1);
      const post = statusPosts()[0]!;
      expect(post.pathname).toBe(`/rest/build-status/1.0/commits/${HEAD}`);
      expect(JSON.parse(post.body)).toEqual({
        state: "FAILED",
        key: "PRJ-wf-build",
        name: `PRJ-wf-build${number}`,
        description: "CDS/PRJ-wf-build",
        url: `https://cds.example.com/project/PRJ/workflow/wf/run/${number}`,
      });
      expect(verdicts).toEqual(["ok"]);
      expect(oauthToken(post)).toBe(PROJECT_TOKEN);
      expect(commentPosts()).toHaveLength(0);
      expect(vcs.calls).toHaveLength(0);
    });
  }

  it("posts again what CDS asks again (CDS checked the statuses itself), links to uiUrl only with disableStatusDetails=true", async () => {
    const hash = "1111111111111111111111111111111111111111";
    for (let i = 0; i < 2; i++) expect((await cdsCall("POST", "/vcs/bitbucket/status", snakeCaseEvent(hash))).status).toBe(200);
    expect(statusPosts()).toHaveLength(2);
    const res = await cdsCall("POST", "/vcs/bitbucket/status?disableStatusDetails=true", snakeCaseEvent(hash));
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(statusPosts()[2]!.body).url).toBe("https://cds.example.com");
    expect(verdicts).toEqual(["ok", "ok", "ok"]);
  });

  it("identifies the calling instance by its key, read from the signin answer when it has no apiPublicKey", async () => {
    const res = await cdsCall("POST", "/vcs/bitbucket/status", snakeCaseEvent(), { key: stagingKey.privateKeyPem });
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(statusPosts()[0]!.body).url).toBe("https://ui.staging.example.com/project/PRJ/workflow/wf/run/12");
    expect(cdsApi.signins().length).toBeGreaterThanOrEqual(1);
  });

  it("without X-CDS-ACCESS-TOKEN, signs with the server's own access token", async () => {
    const signature = signLikeCds({
      method: "POST",
      path: "/vcs/Bitbucket/status",
      host,
      privateKeyPem: prodKey.privateKeyPem,
      date: null,
    });
    const res = await send(
      "POST",
      "/vcs/Bitbucket/status",
      { ...signature, "content-type": "application/json" },
      JSON.stringify(snakeCaseEvent()),
    );
    expect(res.status, res.text).toBe(200);
    expect(oauthToken(statusPosts()[0]!)).toBe(BB_OAUTH_TOKEN);
    expect(verdicts).toEqual(["ok"]);
  });

  it("both comment routes post one comment each (CDS 0.46+ {id,message}, 0.40–0.45 bare string with the id in the path)", async () => {
    const report = "CDS Report build#12.0 ✘\n* Stage 1\n  * my job ✘";
    const modern = await cdsCall("POST", "/vcs/bitbucket/repos/PRJ/my-repo/pullrequests/comments", {
      id: 7,
      message: report,
      revision: HEAD,
    });
    expect(modern.status, modern.text).toBe(200);
    expect(commentPosts()).toHaveLength(1);
    expect(commentPosts()[0]!.pathname).toBe(`${PRS_PATH}/7/comments`);
    expect(JSON.parse(commentPosts()[0]!.body)).toEqual({ text: report });

    const legacy = await cdsCall("POST", "/vcs/bitbucket/repos/PRJ/my-repo/pullrequests/8/comments", report);
    expect(legacy.status, legacy.text).toBe(200);
    expect(commentPosts()).toHaveLength(2);
    expect(commentPosts()[1]!.pathname).toBe(`${PRS_PATH}/8/comments`);
    expect(JSON.parse(commentPosts()[1]!.body)).toEqual({ text: report });

    expect(verdicts).toEqual(["ok", "ok"]);
    expect(commentPosts().map(oauthToken)).toEqual([PROJECT_TOKEN, PROJECT_TOKEN]);
    expect(vcs.calls).toHaveLength(0);
  });

  it("the statuses listing returns what Bitbucket holds, in the shape of CDS's vcs service", async () => {
    const at = Date.UTC(2024, 0, 10, 10, 0, 0);
    bb.setHandler(
      "GET",
      `/rest/build-status/1.0/commits/${HEAD}`,
      oauthChecked((req) =>
        req.query.get("start") === "0"
          ? {
              json: {
                size: 2,
                isLastPage: false,
                nextPageStart: 2,
                values: [
                  {
                    state: "SUCCESSFUL",
                    key: "PRJ-wf-build",
                    name: "PRJ-wf-build12",
                    url: "u",
                    description: "CDS/PRJ-wf-build",
                    dateAdded: at,
                  },
                  { state: "FAILED", key: "jenkins-1", name: "jenkins", url: "u", description: "Jenkins", dateAdded: at },
                ],
              },
            }
          : {
              json: {
                size: 1,
                isLastPage: true,
                values: [
                  {
                    state: "FAILED",
                    key: "PRJ-wf-test",
                    name: "PRJ-wf-test12",
                    url: "u",
                    description: "CDS/PRJ-wf-test",
                    dateAdded: at + 60_000,
                  },
                ],
              },
            },
      ),
    );
    const res = await cdsCall("GET", `/vcs/bitbucket/repos/PRJ/my-repo/commits/${HEAD}/statuses`);
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text)).toEqual([
      { ref: HEAD, created_at: "2024-01-10T10:00:00Z", state: "Success", description: "CDS/PRJ-wf-build" },
      { ref: HEAD, created_at: "2024-01-10T10:01:00Z", state: "Fail", description: "CDS/PRJ-wf-test" },
    ]);
    expect(verdicts).toEqual(["ok", "ok"]);
    expect(bb.requests.map(oauthToken)).toEqual([PROJECT_TOKEN, PROJECT_TOKEN]);
  });

  it("passes every other call on to the vcs service, which verifies CDS's signature itself; its answer comes back unchanged", async () => {
    const path = "/vcs/bitbucket/repos/PRJ/my-repo/hooks?url=https%3A%2F%2Fgw%2Fx&id=3";
    const body = JSON.stringify({ name: "hook", url: "https://gw/x", events: ["repo:refs_changed"] });
    const signature = signLikeCds({ method: "PUT", path, host, privateKeyPem: prodKey.privateKeyPem });
    expect(signature.date).toBeDefined();
    const headers = { ...signature, "content-type": "application/json", "x-cds-access-token": b64(PROJECT_TOKEN), "x-request-id": "req-1" };
    const res = await send("PUT", path, headers, body);
    expect(res.status, res.text).toBe(299);
    expect(res.headers["x-vcs-stub"]).toBe("answered");
    expect(JSON.parse(res.text)).toEqual({ answeredBy: "vcs", method: "PUT", url: path });

    expect(vcs.calls).toHaveLength(1);
    const call = vcs.calls[0]!;
    expect(call.verdict).toBe("ok");
    expect(call.method).toBe("PUT");
    expect(call.url).toBe(path);
    expect(call.body).toBe(body);
    expect(call.headers.host).toBe(host);
    expect(call.headers.authorization).toBe(signature.authorization);
    expect(call.headers.date).toBe(signature.date);
    expect(call.headers["x-cds-access-token"]).toBe(b64(PROJECT_TOKEN));
    expect(call.headers["x-request-id"]).toBe("req-1");
    expect(bb.requests).toHaveLength(0);
  });

  it("passes on CDS's own form (no Date), the vcs service's error answers, and the calls for servers the gateway does not sign for", async () => {
    vcs.answer = (call) => ({
      status: 404,
      headers: { "content-type": "application/json", "x-vcs-stub": "missing" },
      body: JSON.stringify({ message: `no ${call.url}` }),
    });
    for (const [method, path] of [
      ["GET", "/vcs/bitbucket/repos/PRJ/my-repo/branches/?branch=feature%2Fx&default=false"],
      ["GET", "/vcs"],
      ["GET", "/vcsgerrit"],
      ["POST", "/vcs/github/status"],
      ["GET", "/vcs/bitbucket/status"],
    ] as const) {
      const res = await cdsCall(method, path, method === "POST" ? snakeCaseEvent() : undefined);
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(404);
      expect(res.headers["x-vcs-stub"]).toBe("missing");
      expect(JSON.parse(res.text)).toEqual({ message: `no ${path}` });
      const call = vcs.calls.at(-1)!;
      expect(call.verdict).toBe("ok");
      expect([call.method, call.url, call.headers.host, call.headers.date]).toEqual([method, path, host, undefined]);
    }
    expect(vcs.calls).toHaveLength(5);
    expect(bb.requests).toHaveLength(0);
  });

  it("refuses unsigned, wrongly signed, stale and misdirected calls with 401; nothing reaches Bitbucket or the vcs service", async () => {
    const event = snakeCaseEvent();
    const stale = new Date(Date.now() - 6 * 60_000).toUTCString();
    const refused: Array<[string, Promise<Sent>]> = [
      ["unsigned", send("POST", "/vcs/bitbucket/status", { "content-type": "application/json" }, JSON.stringify(event))],
      ["unsigned pass-through", send("GET", "/vcs", {})],
      ["another key", cdsCall("POST", "/vcs/bitbucket/status", event, { key: strangerKey.privateKeyPem })],
      ["another key, pass-through", cdsCall("GET", "/vcs/bitbucket/repos/PRJ/r/branches", undefined, { key: strangerKey.privateKeyPem })],
      ["stale Date", cdsCall("POST", "/vcs/bitbucket/status", event, { date: stale })],
      ["stale Date, pass-through", cdsCall("GET", "/vcs", undefined, { date: stale })],
      [
        "signed for another path",
        cdsCall("POST", "/vcs/bitbucket/status", event, { signedPath: "/vcs/bitbucket/repos/PRJ/r/pullrequests/comments" }),
      ],
      [
        "signed for another query",
        cdsCall("GET", "/vcs/bitbucket/repos/PRJ/r/branches?branch=main", undefined, {
          signedPath: "/vcs/bitbucket/repos/PRJ/r/branches?branch=dev",
        }),
      ],
      [
        "signature header tampered",
        send(
          "POST",
          "/vcs/bitbucket/status",
          { authorization: 'Signature keyId="cds-api",algorithm="rsa-sha256",headers="(request-target) host date",signature="AAAA"' },
          "{}",
        ),
      ],
    ];
    for (const [what, answer] of refused) {
      const res = await answer;
      expect(res.status, `${what}: ${res.text}`).toBe(401);
      expect(JSON.parse(res.text).error, what).toBe("unauthorized");
    }
    expect(bb.requests).toHaveLength(0);
    expect(vcs.calls).toHaveLength(0);
  });

  it("keeps the bearer routes for other callers, Go field names included", async () => {
    bb.setHandler("GET", PRS_PATH, oauthChecked({ json: { size: 0, isLastPage: true, values: [] } }));
    const res = await send(
      "POST",
      "/vcs/Bitbucket/status?cds=prod",
      { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
      JSON.stringify(goFieldEvent("2222222222222222222222222222222222222222")),
    );
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ posted: true, state: "FAILED" });
    expect(oauthToken(statusPosts()[0]!)).toBe(BB_OAUTH_TOKEN);
  });
});
