import type { Logger } from "../../core/ports.ts";

export interface ScheduledWork {
  /** Starts a run now, or right after the one in progress. */
  run(): void;
  /** Arms a timer so that work due at `at` runs then rather than at the next cron tick. */
  wake(at: number): void;
  /** Stops the timers and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs the core's periodic work (`Gateway.runScheduledWork`) for Deno:
 * from `Deno.cron` every minute, once at start (what was queued before a
 * restart), and at each due time the core announces through `wake`. Runs
 * never overlap in this process; other processes sharing the Deno KV
 * database are kept out by the store's claims.
 */
export function scheduleWork(work: () => Promise<void>, logger: Logger): ScheduledWork {
  let current: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let wakeTimer: ReturnType<typeof setTimeout> | undefined;
  let wakeAt = Infinity;

  const run = (): void => {
    if (stopped) return;
    if (current) {
      again = true;
      return;
    }
    current = work()
      .catch((error: unknown) => {
        logger.log("error", "scheduled work failed", { error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        current = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  };

  return {
    run,
    wake(at) {
      if (stopped || at >= wakeAt) return;
      clearTimeout(wakeTimer);
      wakeAt = at;
      wakeTimer = setTimeout(() => {
        wakeAt = Infinity;
        run();
      }, Math.max(0, at - Date.now()));
      Deno.unrefTimer(wakeTimer);
    },
    async stop() {
      stopped = true;
      clearTimeout(wakeTimer);
      await current;
    },
  };
}
