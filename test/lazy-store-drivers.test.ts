import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT, startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";

/** Makes better-sqlite3 and ioredis unresolvable in the gateway process. */
const REFUSE_DRIVERS = { NODE_OPTIONS: `--import ${join(REPO_ROOT, "test/support/refuse-store-drivers.mjs")}` };

describe("the Node gateway loads better-sqlite3 and ioredis only when the configured store needs them (issue #15)", () => {
  let gateway: GatewayProcess | undefined;
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  it("serves with the memory store while neither driver can be loaded", async () => {
    gateway = await startGateway(
      writeConfig('[gateway]\nstore = "memory"\n[gateway.cds.prod]\nhooksUrl = "http://127.0.0.1:9/cdshooks"\n'),
      { env: REFUSE_DRIVERS },
    );
    const health = await fetch(`${gateway.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it("a SQLite store does need its driver: refused, the gateway does not start", async () => {
    const config = writeConfig('[gateway]\nstore = "sqlite::memory:"\n[gateway.cds.prod]\nhooksUrl = "http://127.0.0.1:9/cdshooks"\n');
    await expect(startGateway(config, { env: REFUSE_DRIVERS })).rejects.toThrow(/refused by the test: better-sqlite3/);
  });
});
