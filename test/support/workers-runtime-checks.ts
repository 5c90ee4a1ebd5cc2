/**
 * A test Worker that runs, inside workerd, the same suites the Node stores
 * run under vitest: the KvStore contract (test/support/kv-store-contract.ts)
 * against the Workers store on a real KV namespace and ClaimLock Durable
 * Object, and the crypto vectors (test/support/workers-runtime-vectors.ts).
 *
 * test/workers.test.ts bundles it with esbuild, mapping the suites' `vitest`
 * import to test/support/workers-mini-vitest.ts, and loads it into
 * Miniflare with bindings GATEWAY_KV and CLAIM_LOCK. Routes:
 *
 * - `GET /tests` → `["<name>", …]`, the registered tests in order;
 * - `POST /tests/<n>` → runs test n alone → `{"name","ok","error"?}`.
 *
 * One request per test keeps each within a Worker invocation's limits.
 */
import { ClaimLock } from "../../src/adapters/workers/claim-lock.ts";
import { createWorkersKvStore } from "../../src/adapters/workers/workers-kv-store.ts";
import { describeDueWorkContract } from "./due-work-contract.ts";
import { describeKvStoreContract, type KvStoreHarness } from "./kv-store-contract.ts";
import { collectedTests } from "./workers-mini-vitest.ts";
import { describeRuntimeVectors } from "./workers-runtime-vectors.ts";

export { ClaimLock };

interface Env {
  GATEWAY_KV: KVNamespace;
  CLAIM_LOCK: DurableObjectNamespace<ClaimLock>;
}

let env: Env | undefined;

function currentEnv(): Env {
  if (env === undefined) throw new Error("no request is running");
  return env;
}

/** Empties the namespace through the store, so ClaimLock records go too. */
async function wipe(e: Env): Promise<void> {
  const store = createWorkersKvStore({ kv: e.GATEWAY_KV, claims: e.CLAIM_LOCK });
  let cursor: string | undefined;
  const keys: string[] = [];
  do {
    const page = await e.GATEWAY_KV.list({ cursor });
    keys.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
  await Promise.all(keys.map((key) => store.delete(key)));
}

const workersStores = async (): Promise<KvStoreHarness> => {
  const e = currentEnv();
  await wipe(e);
  const store = createWorkersKvStore({ kv: e.GATEWAY_KV, claims: e.CLAIM_LOCK });
  // Another store over the same bindings, as another isolate has.
  const other = createWorkersKvStore({ kv: e.GATEWAY_KV, claims: e.CLAIM_LOCK });
  return { store, other, cleanup: () => wipe(e) };
};

describeKvStoreContract("workers kv store (workerd, KV + ClaimLock)", workersStores);
describeDueWorkContract("workers kv store (workerd, KV + ClaimLock)", workersStores);

describeRuntimeVectors("workerd");

const tests = collectedTests();

export default {
  async fetch(request: Request, e: Env): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/tests") return Response.json(tests.map((t) => t.name));
    const match = /^\/tests\/(\d+)$/.exec(url.pathname);
    const test = match ? tests[Number(match[1])] : undefined;
    if (request.method !== "POST" || test === undefined) return new Response("not found", { status: 404 });
    env = e;
    try {
      await test.run();
      return Response.json({ name: test.name, ok: true });
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return Response.json({ name: test.name, ok: false, error: message });
    } finally {
      env = undefined;
    }
  },
};
