import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "..");
/** The webhook every run posts: the UUID of a CDS repository webhook the stub's `alpha` instance owns. */
export const BENCH_UUID = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";
/** The stub CDS serves two instances: `alpha` owns BENCH_UUID, `beta` answers 404 to everything. */
export const OWNER_PATH = "/alpha";
export const OTHER_PATH = "/beta";
/** The secret of the signed variant (a benchmark value, never a real one). */
export const BENCH_WEBHOOK_SECRET = "bench-webhook-secret-0123456789abcdef";

export interface BenchWebhook {
  body: Buffer;
  headers: Record<string, string>;
}

/** A Bitbucket Server push (repo:refs_changed), as Bitbucket sends it; signed with `secret` when given. */
export function benchWebhook(secret?: string): BenchWebhook {
  const body = readFileSync(join(REPO_ROOT, "test/fixtures/bitbucket/refs-changed-update.json"));
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "x-event-key": "repo:refs_changed",
    "user-agent": "Atlassian HttpClient 4.2.0 / Bitbucket-9.5.2 (9005002) / Default",
  };
  // X-Hub-Signature as Bitbucket computes it (HMAC-SHA256 of the raw body, docs/relay.md).
  if (secret !== undefined) headers["x-hub-signature"] = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  return { body, headers };
}

/** A webhook body of exactly `bytes` bytes: the push, with a padding field. */
export function paddedWebhookBody(bytes: number): Buffer {
  const push = JSON.parse(readFileSync(join(REPO_ROOT, "test/fixtures/bitbucket/refs-changed-update.json"), "utf8")) as Record<
    string,
    unknown
  >;
  const base = Buffer.byteLength(JSON.stringify({ ...push, padding: "" }));
  return Buffer.from(JSON.stringify({ ...push, padding: "x".repeat(Math.max(0, bytes - base)) }));
}
