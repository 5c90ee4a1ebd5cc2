import { readFileSync } from "node:fs";
import { BENCH_UUID, benchWebhook, paddedWebhookBody } from "./bench-webhook.ts";
import type { LoadClient } from "./load-client.ts";
import { postWebhook } from "./post-webhook.ts";
import { startNodeGateway } from "./start-node-gateway.ts";

export interface RssFigures {
  bodies: number;
  bodyBytes: number;
  waves: number;
  /** Resident set size once started and primed, MiB. */
  idleMiB: number;
  /** The kernel's high-water mark of the resident set (VmHWM) after the load, MiB. */
  peakMiB: number;
  /** 2xx answers out of bodies × waves. */
  answered: number;
}

const MIB = 1024 * 1024;

/** VmRSS and VmHWM of a Linux process, MiB; undefined where /proc is not there. */
export function residentMiB(pid: number): { rss: number; peak: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}

/**
 * Peak memory of a fresh Node gateway (SQLite) taking `bodies` webhooks of
 * `bodyBytes` at once, `waves` times over (one connection per body).
 */
export async function measureRss(
  load: LoadClient,
  options: { cdsPort: number; bodies: number; bodyBytes: number; waves: number },
): Promise<RssFigures | undefined> {
  const gateway = await startNodeGateway({ name: "gateway-rss", cdsPort: options.cdsPort });
  try {
    const url = `http://127.0.0.1:${gateway.port}/${BENCH_UUID}`;
    const { headers } = benchWebhook();
    await postWebhook(url, benchWebhook(), 200);
    const idle = residentMiB(gateway.pid);
    if (idle === undefined) return undefined;
    const body = paddedWebhookBody(options.bodyBytes);
    const r = await load.run({
      url,
      connections: options.bodies,
      amount: options.bodies * options.waves,
      method: "POST",
      headers,
      body: body.toString("base64"),
    });
    const after = residentMiB(gateway.pid)!;
    let answered = 0;
    for (const [code, count] of Object.entries(r.statuses)) if (code.startsWith("2")) answered += count;
    return { bodies: options.bodies, bodyBytes: body.length, waves: options.waves, idleMiB: idle.rss, peakMiB: after.peak, answered };
  } finally {
    await gateway.stop();
  }
}

export { MIB };
