import type { Gateway } from "../../core/create-app.ts";
import type { Logger } from "../../core/ports.ts";

export interface BackgroundWork {
  /** Arms a timer so work due at `at` runs then rather than at the next interval. */
  wake(at: number): void;
  /** Stops the timers and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Node's scheduler for the gateway's periodic work: a run at start (what was
 * queued before a restart), one every `intervalMs` (`gateway.sweepInterval`),
 * and one at each due time the core announces through `wake`. Runs never
 * overlap in this process; other processes are kept out by the store's claims.
 */
export function startBackgroundWork(gateway: Gateway, options: { intervalMs: number; logger: Logger }): BackgroundWork {
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
    current = gateway
      .runScheduledWork()
      .catch((error: unknown) => {
        options.logger.log("error", "scheduled work failed", { error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        current = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  };

  const interval = setInterval(run, options.intervalMs);
  interval.unref();
  queueMicrotask(run);

  return {
    wake(at) {
      if (stopped || at >= wakeAt) return;
      clearTimeout(wakeTimer);
      wakeAt = at;
      wakeTimer = setTimeout(() => {
        wakeAt = Infinity;
        run();
      }, Math.max(0, at - Date.now()));
      wakeTimer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(interval);
      clearTimeout(wakeTimer);
      await current;
    },
  };
}
