/**
 * The load generator, its own process (forked by bench/load-client.ts): runs
 * autocannon for each LoadJob it is sent over IPC and sends back a LoadResult.
 * Between jobs it is idle; it exits when the IPC channel closes.
 */
import autocannon from "autocannon";

export interface LoadJob {
  url: string;
  connections: number;
  /** Seconds; or `amount` requests in all. */
  seconds?: number;
  amount?: number;
  method: "POST" | "GET";
  headers: Record<string, string>;
  /** The request body, base64 (IPC carries JSON). */
  body?: string;
  /** Every `[<id>]` in the headers and body becomes an id of its own for each request (autocannon's idReplacement). */
  idReplacement?: boolean;
}

export interface LoadResult {
  /** Responses received (any status). */
  requests: number;
  /** Seconds from the first request to the last response. */
  seconds: number;
  /** Latency percentiles of the 2xx responses, ms. */
  p50: number;
  p99: number;
  /** Response counts by status code. */
  statuses: Record<string, number>;
  /** Connection errors and timeouts. */
  errors: number;
}

process.on("message", (job: LoadJob) => {
  void run(job).then(
    (result) => process.send!({ ok: true, result }),
    (error: unknown) => process.send!({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on("disconnect", () => process.exit(0));

async function run(job: LoadJob): Promise<LoadResult> {
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    ...(job.amount !== undefined ? { amount: job.amount } : { duration: job.seconds ?? 1 }),
    method: job.method,
    headers: job.headers,
    ...(job.body !== undefined ? { body: Buffer.from(job.body, "base64") } : {}),
    ...(job.idReplacement ? { idReplacement: true } : {}),
    timeout: 10,
    // autocannon ends a run at its next sample: every 100 ms, so a 0.5 s run lasts 0.5 s, not 1 s.
    sampleInt: 100,
  });
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0;
  const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
  return { requests, seconds: result.duration, p50: result.latency.p50, p99: result.latency.p99, statuses, errors: result.errors };
}
