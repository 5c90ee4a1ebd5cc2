import { describeDueWorkContract } from "../../test/support/due-work-contract.ts";
import { describeKvStoreContract, type KvStoreHarness } from "../../test/support/kv-store-contract.ts";
import { createMemoryStore } from "./memory-store.ts";

const memoryStore = async (): Promise<KvStoreHarness> => {
  let now = 1_700_000_000_000;
  const store = createMemoryStore({ clock: { now: () => now } });
  return {
    store,
    advance: (ms) => {
      now += ms;
    },
    cleanup: () => store.close(),
  };
};

describeKvStoreContract("memory store", memoryStore);
describeDueWorkContract("memory store", memoryStore);
