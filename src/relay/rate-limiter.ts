import type { Clock } from "../core/ports.ts";

export interface RateLimiter {
  /** Counts one request from `key`; returns 0 when allowed, else the ms until the window resets. */
  hit(key: string): number;
}

/**
 * A fixed-window counter per client IP, in this process's memory: a limit
 * against floods, not an accounting. Several Node processes or Workers
 * isolates each count on their own, so the effective limit is per process.
 * `requests = 0` turns it off.
 */
export function createRateLimiter(options: { requests: number; windowMs: number; clock: Clock; maxKeys?: number }): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const maxKeys = options.maxKeys ?? 100_000;
  return {
    hit(key) {
      if (options.requests <= 0) return 0;
      const now = options.clock.now();
      let w = windows.get(key);
      if (!w || now - w.start >= options.windowMs) {
        // Bounded memory: forget every window when a flood of distinct keys fills the map.
        if (!w && windows.size >= maxKeys) windows.clear();
        w = { start: now, count: 0 };
        windows.set(key, w);
      }
      w.count++;
      return w.count > options.requests ? w.start + options.windowMs - now : 0;
    },
  };
}
