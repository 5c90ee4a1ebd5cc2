import type { Logger } from "../core/ports.ts";

export interface ScheduledWork {
  /**
   * Starts a run now, or right after the one in progress (callers meanwhile
   * share that one). Resolves when it has finished; never rejects.
   */
  run(): Promise<void>;
  /** Refuses later runs and waits for those started or promised. */
  stop(): Promise<void>;
}

/**
 * Serialises runs of the core's periodic work (`Gateway.runScheduledWork`),
 * whatever triggers them: Node's interval and wake timers, `Deno.cron` and
 * Deno KV wake-ups. Runs never overlap in this process; other processes
 * sharing the store are kept out by its claims.
 */
export function scheduleWork(work: () => Promise<void>, logger: Logger): ScheduledWork {
  let current: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  let stopped = false;

  const start = (): Promise<void> => {
    current = work()
      .catch((error: unknown) => {
        logger.log("error", "scheduled work failed", { error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        current = undefined;
      });
    return current;
  };

  const run = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (current === undefined) return start();
    // What is due now may have been missed by the run in progress: one more after it.
    next ??= current.then(() => {
      next = undefined;
      return stopped ? undefined : start();
    });
    return next;
  };

  return {
    run,
    async stop() {
      stopped = true;
      await next;
      await current;
    },
  };
}
