/** The KvStore and due work contracts (test/support/) against Deno KV, each test on a fresh database file. */
import { createDenoKvStore } from "../../src/adapters/deno/deno-kv-store.ts";
import { describeDueWorkContract } from "../support/due-work-contract.ts";
import { describeKvStoreContract, type KvStoreHarness } from "../support/kv-store-contract.ts";
import { registerWithDenoTest } from "./deno-test-runner.mts";

const denoKv = async (): Promise<KvStoreHarness> => {
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
};

describeKvStoreContract("deno kv store", denoKv);
describeDueWorkContract("deno kv store", denoKv);

registerWithDenoTest();
