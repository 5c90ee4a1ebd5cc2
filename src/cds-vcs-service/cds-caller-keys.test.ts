import { afterEach, describe, expect, it } from "vitest";
import { errorCode } from "../../test/support/error-code.ts";
import { cdsApiKey, signLikeCds } from "../../test/support/cds-http-signature.ts";
import { startStubCdsApi, type StubCdsApi } from "../../test/support/stub-cds-api.ts";
import { createCdsSessions } from "../cds-api/cds-session.ts";
import { loadConfig } from "../config/load-config.ts";
import { createCdsCallers, KEY_REREAD_INTERVAL_MS } from "./cds-caller-keys.ts";
import { gatewayToml } from "../../test/support/gateway-toml.ts";

const CONSUMER_TOKEN = "consumer-token-for-keys";
const prodKey = cdsApiKey();
const stagingKey = cdsApiKey();
const rotatedKey = cdsApiKey();

/** A request to the gateway signed by the holder of `privateKeyPem`, as CDS's API signs (no Date header). */
function call(privateKeyPem: string, path = "/vcs/bitbucket/status"): Request {
  const headers = signLikeCds({ method: "POST", path, host: "gateway.example.com", date: null, privateKeyPem });
  return new Request(`http://gateway.example.com${path}`, {
    method: "POST",
    headers: { ...headers, host: "gateway.example.com" },
    body: "{}",
  });
}

describe("createCdsCallers", () => {
  let api: StubCdsApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  async function setup() {
    api = await startStubCdsApi({ consumerToken: CONSUMER_TOKEN, publicSigningKey: stagingKey.signinHeader });
    const config = await loadConfig(
      gatewayToml({
        cds: {
          prod: { hooksUrl: "http://prod/cdshooks", apiPublicKey: prodKey.publicKeyPem },
          staging: { hooksUrl: "http://staging/cdshooks", apiUrl: api.apiUrl, token: CONSUMER_TOKEN },
          other: { hooksUrl: "http://other/cdshooks" },
        },
      }),
      { env: () => undefined },
    );
    let now = Date.now();
    const clock = { now: () => now };
    const fetch = (url: string, init: object) => globalThis.fetch(url, init as RequestInit);
    const callers = createCdsCallers({
      config,
      sessions: createCdsSessions({ fetch, clock, timeoutMs: 2000 }),
      clock,
      logger: { log() {} },
    });
    return { callers, api, advance: (ms: number) => (now += ms) };
  }

  it("names the instance whose key verified: apiPublicKey, or the key its signin published", async () => {
    const { callers, api } = await setup();
    expect((await callers.verify(call(prodKey.privateKeyPem))).name).toBe("prod");
    expect((await callers.verify(call(stagingKey.privateKeyPem))).name).toBe("staging");
    expect((await callers.verify(call(stagingKey.privateKeyPem))).name).toBe("staging");
    expect(api.signins()).toHaveLength(1);
  });

  it("reads the signin key again once when a signature does not verify, at most once a minute", async () => {
    const { callers, api, advance } = await setup();
    expect((await callers.verify(call(stagingKey.privateKeyPem))).name).toBe("staging");
    expect(api.signins()).toHaveLength(1);
    advance(KEY_REREAD_INTERVAL_MS);

    // CDS's API restarted with a new key: the first call signed with it makes the gateway read it.
    api.setPublicSigningKey(rotatedKey.signinHeader);
    expect((await callers.verify(call(rotatedKey.privateKeyPem))).name).toBe("staging");
    expect(api.signins()).toHaveLength(2);
    expect((await callers.verify(call(rotatedKey.privateKeyPem))).name).toBe("staging");

    // A foreign signature right after gets no signin; one a minute later gets one.
    const stranger = cdsApiKey().privateKeyPem;
    expect(await errorCode(callers.verify(call(stranger)))).toBe("ERR_SIGNATURE_INVALID");
    expect(api.signins()).toHaveLength(2);
    advance(KEY_REREAD_INTERVAL_MS);
    expect(await errorCode(callers.verify(call(stranger)))).toBe("ERR_SIGNATURE_INVALID");
    expect(await errorCode(callers.verify(call(stranger)))).toBe("ERR_SIGNATURE_INVALID");
    expect(api.signins()).toHaveLength(3);
  });

  it("refuses everything when no instance has a key, and does not sign in per request when the signin fails", async () => {
    const { callers, api } = await setup();
    api.answer((req) => (req.url.endsWith("/signin") ? { status: 503, body: "{}" } : undefined));
    expect(await errorCode(callers.verify(call(stagingKey.privateKeyPem)))).toBe("ERR_SIGNATURE_INVALID");
    expect(await errorCode(callers.verify(call(stagingKey.privateKeyPem)))).toBe("ERR_SIGNATURE_INVALID");
    expect(api.signins()).toHaveLength(1);

    const bare = createCdsCallers({
      config: await loadConfig(gatewayToml({ cds: { x: { hooksUrl: "http://x" } } }), { env: () => undefined }),
      sessions: createCdsSessions({ fetch: () => Promise.reject(new Error("no")), clock: { now: Date.now }, timeoutMs: 1000 }),
      clock: { now: Date.now },
      logger: { log() {} },
    });
    expect(await errorCode(bare.verify(call(prodKey.privateKeyPem)))).toBe("ERR_SIGNATURE_NO_KEY");
  });
});
