import { jsonError } from "../../core/json-error.ts";

/** A binding the Worker cannot work without, and where wrangler.toml declares it. */
interface RequiredBinding {
  name: string;
  /** The wrangler.toml section that declares it, as an operator would search for it. */
  section: string;
  /** Whether `value` is such a binding (not missing, nor a var of the same name). */
  present(value: unknown): boolean;
}

const hasMethod = (value: unknown, method: string): boolean =>
  typeof value === "object" && value !== null && typeof (value as Record<string, unknown>)[method] === "function";

/**
 * The bindings the store needs (issue #12, finding 8). `DELIVERY_QUEUE` is not
 * one: without it the Cron Trigger retries queued deliveries.
 */
const REQUIRED: readonly RequiredBinding[] = [
  { name: "GATEWAY_KV", section: '[[kv_namespaces]] with binding = "GATEWAY_KV"', present: (v) => hasMethod(v, "getWithMetadata") },
  {
    name: "CLAIM_LOCK",
    section: '[[durable_objects.bindings]] with name = "CLAIM_LOCK" and class_name = "ClaimLock" (and its [[migrations]] entry)',
    present: (v) => hasMethod(v, "idFromName"),
  },
];

/** What is missing from `env`, as one sentence per binding; empty when nothing is. */
export function missingBindings(env: Record<string, unknown>): string[] {
  return REQUIRED.filter((b) => !b.present(env[b.name])).map(
    (b) => `the Worker has no ${b.name} binding: wrangler.toml declares it in ${b.section}; deploy with it`,
  );
}

/** The answer to every request of a Worker deployed without a binding it needs: 503, naming it. */
export function missingBindingsResponse(missing: readonly string[]): Response {
  return jsonError("missing_binding", missing.join("; "));
}
