/**
 * Interoperability: requests signed by our OAuth 1.0a code are verified by an
 * independent implementation, Python oauthlib, acting as the server
 * (test/support/oauthlib-verifier.py, run with Debian's /usr/bin/python3).
 */
import { createPublicKey } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBitbucketClient } from "../src/bitbucket/bitbucket-client.ts";
import { runKeygen, KEYGEN_COMMAND } from "../src/cli/keygen.ts";
import { parseCommandLine } from "../src/adapters/node/cli/parse-command-line.ts";
import type { FetchFn, FetchInit } from "../src/core/ports.ts";
import { Secret } from "../src/core/secret.ts";
import { OAuth1Signer } from "../src/oauth1/oauth1-signer.ts";
import { bitbucketServerConfig } from "./support/bitbucket-server-config.ts";
import {
  type OauthlibVerifier as Verifier,
  requirePythonOauthlib,
  startOauthlibVerifier as startVerifier,
} from "./support/oauthlib-verifier.ts";
import { OAUTHLIB_KEY_PKCS1, OAUTHLIB_KEY_PKCS8 } from "./support/rfc5849-vectors.ts";
import { createTestCliIo, type TestCliIo } from "./support/test-cli-io.ts";

/**
 * A FetchFn that delivers every request to the verifier on 127.0.0.1 while
 * keeping what the signed URL says: `Host` is the URL's host (default port
 * omitted, as fetch does) and `X-Forwarded-Proto` its scheme, like a TLS
 * proxy in front of Bitbucket; the path and query are the WHATWG
 * serialisation fetch would put on the wire.
 */
function fetchVia(port: number): FetchFn {
  return (url: string, init: FetchInit) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
      headers.Host = target.host;
      headers["X-Forwarded-Proto"] = target.protocol.slice(0, -1);
      const body = init.body == null ? undefined : typeof init.body === "string" ? Buffer.from(init.body) : Buffer.from(init.body);
      if (body) headers["Content-Length"] = String(body.length);
      const req = httpRequest({ host: "127.0.0.1", port, method: init.method, path: target.pathname + target.search, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers: res.headers as Record<string, string> })),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
}

const clock = { now: () => Date.now() };
let dir: TestCliIo;
let oauthlibKey: Verifier;

beforeAll(async () => {
  await requirePythonOauthlib();
  dir = await createTestCliIo();
  const spki = createPublicKey(OAUTHLIB_KEY_PKCS8).export({ type: "spki", format: "pem" }).toString();
  await writeFile(dir.path("oauthlib-pub.pem"), spki);
  oauthlibKey = await startVerifier(dir.path("oauthlib-pub.pem"), "CDS");
});

afterAll(async () => {
  await oauthlibKey?.stop();
  await dir?.cleanup();
});

async function expectAccepted(response: Response | { status: number; text: string }): Promise<void> {
  const text = response instanceof Response ? await response.text() : response.text;
  expect(response.status, text).toBe(200);
  expect(JSON.parse(text)).toMatchObject({ ok: true });
}

describe("OAuth 1.0a RSA-SHA1 signatures verified by oauthlib", () => {
  const awkwardQuery = {
    space: "a b",
    reserved: "!*'();:@&=+$,/?#[]",
    empty: "",
    dup: ["1", "2", "1", ""],
    unicode: "Zoë ☃ 😀",
    "key with spaces&=": "v",
    tilde: "~user",
  };

  for (const [label, url] of [
    ["https, default port", "https://bitbucket.example.com"],
    ["https, explicit :443", "https://bitbucket.example.com:443"],
    ["http, default port", "http://bitbucket.example.com"],
    ["http, non-default port and context path", "http://Bitbucket.EXAMPLE.com:7990/bitbucket"],
    ["https, non-default port", "https://bitbucket.example.com:8443"],
  ] as const) {
    it(`accepts client calls (${label})`, async () => {
      for (const [pem, accessToken] of [
        [OAUTHLIB_KEY_PKCS8, "acc-tok"],
        [OAUTHLIB_KEY_PKCS1, undefined],
      ] as const) {
        const client = createBitbucketClient({
          server: bitbucketServerConfig({ url, privateKey: pem, ...(accessToken ? { accessToken } : {}) }),
          fetch: fetchVia(oauthlibKey.port),
          clock,
        });
        await expectAccepted(await client.request("GET", "/rest/api/1.0/projects/~jdoe/repos", { query: awkwardQuery }));
        // Raw queries as an operator would type them: + and %20 spaces, repeated and empty keys, reserved characters.
        await expectAccepted(
          await client.request("GET", "/rest/api/1.0/repos?q=a+b&q=a%20b&q=a%2Bb&e=&e&x=!*'();:@$,/?&y=%5B%5D%23%26%3D&z=%C3%A9"),
        );
        // Typed calls: personal projects with non-ASCII names, JSON bodies (not signed), paging parameters.
        await client.setBuildStatus("~jürgen", "répo", "0123456789abcdef0123456789abcdef01234567", {
          state: "SUCCESSFUL",
          key: "K",
          url: "https://cds/x",
        });
        await client.setBuildStatusLegacy("0123456789abcdef0123456789abcdef01234567", {
          state: "FAILED",
          key: "K",
          url: "https://cds/x?a=b c",
        });
        await client.listPullRequests("~jdoe", "my.repo_1-x", { state: "OPEN" });
        await client.updateWebhook("PRJ", "repo", 12, { name: "n", url: "https://gw/u", events: ["repo:refs_changed"], active: true });
        await client.deleteWebhook("PRJ", "repo", 12);
      }
    });
  }

  it("accepts signed form bodies and the request-token / access-token parameters", async () => {
    const signer = new OAuth1Signer({ consumerKey: "CDS", privateKey: new Secret(OAUTHLIB_KEY_PKCS8), clock });
    const send = fetchVia(oauthlibKey.port);
    const url = "http://bitbucket.example.com:8080/plugins/servlet/oauth/request-token?x=1+2";
    const headers = { "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8" };
    const body = "a=1&b=x+y&b=%20z&c=&d=%E2%98%83&e%21=%21";
    const authorization = await signer.sign({ method: "POST", url, headers, body, extraOauthParams: { oauth_callback: "oob" } });
    await expectAccepted(await send(url, { method: "POST", headers: { ...headers, Authorization: authorization }, body }));

    const accessUrl = "https://bitbucket.example.com/plugins/servlet/oauth/access-token";
    const accessAuth = await signer.sign({
      method: "POST",
      url: accessUrl,
      token: "req/tok+en=",
      extraOauthParams: { oauth_verifier: "v 3/+" },
    });
    await expectAccepted(await send(accessUrl, { method: "POST", headers: { Authorization: accessAuth } }));
  });

  it("is really checked: tampered requests and foreign keys are refused", async () => {
    const signer = new OAuth1Signer({ consumerKey: "CDS", privateKey: new Secret(OAUTHLIB_KEY_PKCS8), clock });
    const send = fetchVia(oauthlibKey.port);
    const signedFor = "https://bitbucket.example.com/rest/api/1.0/projects?q=a+b";
    const authorization = await signer.sign({ method: "GET", url: signedFor });
    await expectAccepted(await send(signedFor, { method: "GET", headers: { Authorization: authorization } }));
    for (const other of [
      "https://bitbucket.example.com/rest/api/1.0/projects?q=a%2Bb",
      "https://bitbucket.example.com:8443/rest/api/1.0/projects?q=a+b",
      "http://bitbucket.example.com/rest/api/1.0/projects?q=a+b",
    ]) {
      const response = await send(other, { method: "GET", headers: { Authorization: authorization } });
      expect(response.status).toBe(401);
      expect(await response.text()).toContain("RSA-SHA1 signature does not verify");
    }
    const post = await send(signedFor, { method: "POST", headers: { Authorization: authorization } });
    expect(post.status).toBe(401);

    // A form body that was not signed changes the base string.
    const form = await send(signedFor, {
      method: "GET",
      headers: { Authorization: authorization, "Content-Type": "application/x-www-form-urlencoded" },
      body: "z=1",
    });
    expect(form.status).toBe(401);
  });

  it("accepts a key made by `keygen`", async () => {
    const io = await createTestCliIo();
    try {
      expect(await runKeygen(parseCommandLine(["--out", "gen.pem", "--consumer-key", "GEN"], KEYGEN_COMMAND), io)).toBe(0);
      const publicPem = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----\n/.exec(io.stdoutText)![0];
      await writeFile(io.path("gen-pub.pem"), publicPem);
      const verifier = await startVerifier(io.path("gen-pub.pem"), "GEN");
      try {
        const client = createBitbucketClient({
          server: bitbucketServerConfig({
            url: "https://bb.example.org",
            consumerKey: "GEN",
            privateKey: await readFile(io.path("gen.pem"), "utf8"),
            accessToken: "t",
          }),
          fetch: fetchVia(verifier.port),
          clock,
        });
        await expectAccepted(await client.request("GET", "/rest/api/1.0/projects", { query: { name: "x y" } }));
        // …and the oauthlib test key is not accepted by this verifier.
        const other = createBitbucketClient({
          server: bitbucketServerConfig({ url: "https://bb.example.org", consumerKey: "GEN", privateKey: OAUTHLIB_KEY_PKCS8 }),
          fetch: fetchVia(verifier.port),
          clock,
        });
        expect((await other.request("GET", "/rest/api/1.0/projects")).status).toBe(401);
      } finally {
        await verifier.stop();
      }
    } finally {
      await io.cleanup();
    }
  });
});
