import type { BenchWebhook } from "./bench-webhook.ts";

/** One webhook through a relay, which must answer `expected` (a configuration mistake shows here, not as a slow figure). */
export async function postWebhook(url: string, webhook: BenchWebhook, expected: number): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: webhook.headers,
    body: new Uint8Array(webhook.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status !== expected) throw new Error(`POST ${url} answered ${res.status}, expected ${expected}: ${text.slice(0, 300)}`);
}
