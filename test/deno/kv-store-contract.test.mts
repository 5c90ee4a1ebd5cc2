/** The KvStore contract (test/support/kv-store-contract.ts) against Deno KV, each test on a fresh database file. */
import { createDenoKvStore } from "../../src/adapters/deno/deno-kv-store.ts";
import { describeKvStoreContract } from "../support/kv-store-contract.ts";
import { registerWithDenoTest } from "./deno-test-runner.mts";

describeKvStoreContract("deno kv store", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cds-gw-denokv-" });
  const store = createDenoKvStore({ kv: await Deno.openKv(`${dir}/kv.sqlite3`) });
  // A second handle on the same database, as a second process has.
  const other = createDenoKvStore({ kv: await Deno.openKv(`${dir}/kv.sqlite3`) });
  return {
    store,
    other,
    async cleanup() {
      await store.close();
      await other.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
});

registerWithDenoTest();
