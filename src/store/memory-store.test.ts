import { describeKvStoreContract } from "../../test/support/kv-store-contract.ts";
import { createMemoryStore } from "./memory-store.ts";

describeKvStoreContract("memory store", async () => {
  let now = 1_700_000_000_000;
  const store = createMemoryStore({ clock: { now: () => now } });
  return {
    store,
    advance: (ms) => {
      now += ms;
    },
    cleanup: () => store.close(),
  };
});
