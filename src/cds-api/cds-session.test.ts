import { decodeJwt } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import type { CdsInstanceConfig } from "../core/config-types.ts";
import { Secret } from "../core/secret.ts";
import { startStubCdsApi, type StubCdsApi } from "../../test/support/stub-cds-api.ts";
import { CdsApiError, createCdsSessions, SESSION_MARGIN_MS } from "./cds-session.ts";

const CONSUMER_TOKEN = "builtin-consumer-token-value";
const fetchFn = (url: string, init: object) => fetch(url, init as RequestInit);

describe("CDS API sessions against a stub CDS API", () => {
  let api: StubCdsApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  const instance = (stub: StubCdsApi, token = CONSUMER_TOKEN): CdsInstanceConfig => ({
    name: "prod",
    hooksUrl: `${stub.url}/cdshooks`,
    apiUrl: stub.apiUrl,
    uiUrl: stub.url,
    token: new Secret(token),
  });

  it("signs in with the consumer token and reuses the JWT until shortly before its exp", async () => {
    api = await startStubCdsApi({ consumerToken: CONSUMER_TOKEN, jwtTtlSeconds: 600 });
    let now = Date.now();
    const sessions = createCdsSessions({ fetch: fetchFn, clock: { now: () => now }, timeoutMs: 2000 });
    const first = await sessions.jwt(instance(api));
    expect(api.signins()).toHaveLength(1);
    expect(JSON.parse(api.signins()[0]!.body)).toEqual({ token: CONSUMER_TOKEN });
    expect(api.signins()[0]!.headers["content-type"]).toBe("application/json");
    expect(first).toBe(api.issued[0]);

    const exp = decodeJwt(first).exp! * 1000;
    now = exp - SESSION_MARGIN_MS - 1;
    expect(await sessions.jwt(instance(api))).toBe(first);
    expect(api.signins()).toHaveLength(1);

    now = exp - SESSION_MARGIN_MS;
    await sessions.jwt(instance(api));
    expect(api.signins()).toHaveLength(2);
  });

  it("keeps the API's public signing key from the signin answer (X-Api-Pub-Signing-Key), and signs in again for it when asked to renew", async () => {
    const first = btoa("-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n");
    api = await startStubCdsApi({ consumerToken: CONSUMER_TOKEN, publicSigningKey: first });
    const sessions = createCdsSessions({ fetch: fetchFn, clock: { now: () => Date.now() }, timeoutMs: 2000 });
    expect(await sessions.signingKey(instance(api))).toBe(first);
    expect(api.signins()).toHaveLength(1);
    // The signin of a JWT refresh, or of this call, is reused.
    await sessions.jwt(instance(api));
    expect(await sessions.signingKey(instance(api))).toBe(first);
    expect(api.signins()).toHaveLength(1);

    api.setPublicSigningKey("bmV3LWtleQ==");
    expect(await sessions.signingKey(instance(api), { renew: true })).toBe("bmV3LWtleQ==");
    expect(api.signins()).toHaveLength(2);
    api.setPublicSigningKey(undefined);
    expect(await sessions.signingKey(instance(api), { renew: true })).toBeUndefined();
  });

  it("takes the JWT from an X-Cds-Jwt header", async () => {
    api = await startStubCdsApi({ consumerToken: CONSUMER_TOKEN, jwtIn: "header" });
    const sessions = createCdsSessions({ fetch: fetchFn, clock: { now: () => Date.now() }, timeoutMs: 2000 });
    expect(await sessions.jwt(instance(api))).toBe(api.issued[0]);
  });

  it("concurrent callers share one signin; invalidate forgets only the JWT it is given", async () => {
    api = await startStubCdsApi({ consumerToken: CONSUMER_TOKEN });
    const sessions = createCdsSessions({ fetch: fetchFn, clock: { now: () => Date.now() }, timeoutMs: 2000 });
    const jwts = await Promise.all([1, 2, 3].map(() => sessions.jwt(instance(api!))));
    expect(new Set(jwts).size).toBe(1);
    expect(api.signins()).toHaveLength(1);
    sessions.invalidate("prod", "some-older-jwt");
    await sessions.jwt(instance(api));
    expect(api.signins()).toHaveLength(1);
    sessions.invalidate("prod", jwts[0]!);
    await sessions.jwt(instance(api));
    expect(api.signins()).toHaveLength(2);
  });

  it("a refused signin or an answer without a JWT is a CdsApiError that holds no secret", async () => {
    api = await startStubCdsApi({ consumerToken: CONSUMER_TOKEN });
    const sessions = createCdsSessions({ fetch: fetchFn, clock: { now: () => Date.now() }, timeoutMs: 2000 });
    const refused = await sessions.jwt(instance(api, "wrong-token-value")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CdsApiError);
    expect(refused).toMatchObject({ message: "signin: HTTP 401", status: 401 });

    api.answer(() => ({ status: 200, body: '{"token":"not-a-jwt"}' }));
    const garbled = await sessions.jwt(instance(api)).catch((e: unknown) => e);
    expect(garbled).toMatchObject({ message: "signin: the answer holds no session JWT" });
    expect(String((garbled as Error).message)).not.toContain(CONSUMER_TOKEN);

    api.answer(() => ({ status: 503, headers: { "retry-after": "30" } }));
    expect(await sessions.jwt(instance(api)).catch((e: unknown) => e)).toMatchObject({ status: 503, retryAfterMs: 30_000 });

    await api.close();
    const down = await sessions.jwt(instance(api)).catch((e: unknown) => e);
    expect(down).toMatchObject({ message: "signin: connection failed" });
  });
});
