import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare, type MiniflareOptions } from "miniflare";
import { parse } from "smol-toml";
import { REPO_ROOT } from "../../scripts/worker-bundle-size.ts";

interface WranglerToml {
  compatibility_date: string;
  compatibility_flags?: string[];
  kv_namespaces?: Array<{ binding: string }>;
  durable_objects?: { bindings?: Array<{ name: string; class_name: string }> };
  migrations?: Array<{ new_sqlite_classes?: string[] }>;
  queues?: {
    producers?: Array<{ queue: string; binding: string }>;
    consumers?: Array<{
      queue: string;
      max_batch_size?: number;
      max_batch_timeout?: number;
      max_retries?: number;
      retry_delay?: number;
      dead_letter_queue?: string;
    }>;
  };
}

export function readWranglerToml(): WranglerToml {
  return parse(readFileSync(join(REPO_ROOT, "wrangler.toml"), "utf8")) as unknown as WranglerToml;
}

/**
 * Miniflare options for a module Worker at `scriptPath` with the bindings
 * wrangler.toml declares (KV, Durable Objects, queues) and its compatibility
 * date and flags, so the test runs what `wrangler deploy` would configure.
 * Storage is in memory, the server listens on 127.0.0.1 only, and nothing
 * is fetched from the network.
 */
export function miniflareOptions(scriptPath: string, modulesRoot: string, bindings: Record<string, string>): MiniflareOptions {
  const toml = readWranglerToml();
  const sqlite = new Set((toml.migrations ?? []).flatMap((m) => m.new_sqlite_classes ?? []));
  return {
    modules: true,
    scriptPath,
    modulesRoot,
    compatibilityDate: toml.compatibility_date,
    compatibilityFlags: toml.compatibility_flags ?? [],
    kvNamespaces: (toml.kv_namespaces ?? []).map((kv) => kv.binding),
    durableObjects: Object.fromEntries(
      (toml.durable_objects?.bindings ?? []).map((b) => [b.name, { className: b.class_name, useSQLite: sqlite.has(b.class_name) }]),
    ),
    queueProducers: Object.fromEntries((toml.queues?.producers ?? []).map((p) => [p.binding, { queueName: p.queue }])),
    // As wrangler maps [[queues.consumers]] for `wrangler dev`.
    queueConsumers: Object.fromEntries(
      (toml.queues?.consumers ?? []).map((c) => [
        c.queue,
        {
          maxBatchSize: c.max_batch_size,
          maxBatchTimeout: c.max_batch_timeout,
          maxRetries: c.max_retries,
          retryDelay: c.retry_delay,
          deadLetterQueue: c.dead_letter_queue,
        },
      ]),
    ),
    bindings,
    // A fixed placeholder `request.cf`: Miniflare would otherwise download the real one.
    cf: false,
    host: "127.0.0.1",
    port: 0,
  };
}

/** Starts Miniflare and waits until it serves, bounded; workerd failing to start is an error, not a skip. */
export async function startMiniflare(options: MiniflareOptions, timeoutMs = 30_000): Promise<{ mf: Miniflare; url: URL }> {
  const mf = new Miniflare(options);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const url = await Promise.race([
      mf.ready,
      new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error(`workerd (Miniflare) did not start within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return { mf, url };
  } catch (error) {
    await mf.dispose().catch(() => {});
    throw new Error(`workerd (Miniflare) could not start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Bundles test/support/workers-runtime-checks.ts for workerd with esbuild (the
 * bundler wrangler uses), its suites' `vitest` import mapped to the
 * runtime-neutral test/support/workers-mini-vitest.ts. Returns the script path.
 */
export async function bundleRuntimeChecks(outdir: string): Promise<string> {
  const result = await build({
    entryPoints: [join(REPO_ROOT, "test/support/workers-runtime-checks.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*"],
    alias: { vitest: join(REPO_ROOT, "test/support/workers-mini-vitest.ts") },
    write: false,
    logLevel: "silent",
  });
  const scriptPath = join(outdir, "runtime-checks.mjs");
  writeFileSync(scriptPath, result.outputFiles[0]!.contents);
  return scriptPath;
}
