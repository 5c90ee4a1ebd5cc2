/** What the console's chart counts per minute (issue #16). */
export const ACTIVITY_KINDS = ["forwarded", "queued", "delivered", "dead", "duplicate", "rejected"] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

const INDEX: Record<ActivityKind, number> = { forwarded: 0, queued: 1, delivered: 2, dead: 3, duplicate: 4, rejected: 5 };
const MINUTE_MS = 60_000;

export type ActivityMinute = { at: number } & Record<ActivityKind, number>;

export interface ActivityMinutes {
  /** One event of `kind` at `now` (fixed arrays: nothing allocated). */
  add(kind: ActivityKind, now: number): void;
  /** The last `minutes` minutes up to the one of `now`, oldest first, each with its start time. */
  series(now: number): ActivityMinute[];
}

/**
 * Outcomes per minute over the last hour, in this process: webhooks
 * forwarded, queued, refused as duplicates or rejected as they came in,
 * and queued deliveries delivered or dead-lettered by their retries. A
 * ring of per-minute counters; per process, lost on restart.
 */
export function createActivityMinutes(minutes = 60): ActivityMinutes {
  const stamps = new Float64Array(minutes).fill(-1);
  const counts = new Uint32Array(minutes * ACTIVITY_KINDS.length);
  return {
    add(kind, now) {
      const minute = Math.floor(now / MINUTE_MS);
      const slot = minute % minutes;
      if (stamps[slot] !== minute) {
        stamps[slot] = minute;
        counts.fill(0, slot * ACTIVITY_KINDS.length, (slot + 1) * ACTIVITY_KINDS.length);
      }
      counts[slot * ACTIVITY_KINDS.length + INDEX[kind]]!++;
    },
    series(now) {
      const current = Math.floor(now / MINUTE_MS);
      const out: ActivityMinute[] = [];
      for (let minute = current - minutes + 1; minute <= current; minute++) {
        const slot = minute % minutes;
        const row = { at: minute * MINUTE_MS } as ActivityMinute;
        for (const kind of ACTIVITY_KINDS) row[kind] = stamps[slot] === minute ? counts[slot * ACTIVITY_KINDS.length + INDEX[kind]]! : 0;
        out.push(row);
      }
      return out;
    },
  };
}
