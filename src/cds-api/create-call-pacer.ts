/** Spaces calls to a remote, per key (a CDS instance). */
export interface CallPacer {
  /** Resolves when the next call to `key` may start: at most `perSecond` start per second. */
  wait(key: string): Promise<void>;
}

/**
 * The gateway's CDS API calls (signin, DELETE of a branch's runs) go out at
 * most `perSecond` per instance (`gateway.cdsApiCallsPerSecond`, issue #11):
 * one push may name thousands of deleted branches, and once due they must
 * not arrive at CDS all at once. Each caller reserves the next free slot at
 * once, so concurrent callers queue in order; one pacer serves every run of
 * the scheduled work of a process. The time is monotonic (`performance.now`),
 * not the gateway's clock, which tests move at will.
 */
export function createCallPacer(options: { perSecond: number; now?: () => number; sleep?: (ms: number) => Promise<void> }): CallPacer {
  const interval = 1000 / options.perSecond;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const nextFree = new Map<string, number>();
  return {
    async wait(key) {
      const t = now();
      const slot = Math.max(t, nextFree.get(key) ?? t);
      nextFree.set(key, slot + interval);
      if (slot > t) await sleep(slot - t);
    },
  };
}
