import type { Gateway } from "../../app/create-gateway.ts";
import type { Logger } from "../../core/ports.ts";
import { scheduleWork } from "../../app/schedule-work.ts";

export interface BackgroundWork {
  /** Arms a timer so work due at `at` runs then rather than at the next interval. */
  wake(at: number): void;
  /** Stops the timers and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Node's scheduler for the gateway's periodic work: a run at start (what was
 * queued before a restart), one every `intervalMs` (`gateway.sweepInterval`),
 * and one at each due time the core announces through `wake`.
 */
export function startBackgroundWork(gateway: Gateway, options: { intervalMs: number; logger: Logger }): BackgroundWork {
  const work = scheduleWork(() => gateway.runScheduledWork(), options.logger);
  let stopped = false;
  let wakeTimer: ReturnType<typeof setTimeout> | undefined;
  let wakeAt = Infinity;

  const interval = setInterval(() => void work.run(), options.intervalMs);
  interval.unref();
  queueMicrotask(() => void work.run());

  return {
    wake(at) {
      if (stopped || at >= wakeAt) return;
      clearTimeout(wakeTimer);
      wakeAt = at;
      wakeTimer = setTimeout(
        () => {
          wakeAt = Infinity;
          void work.run();
        },
        Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1),
      ); // longer delays would fire at once
      wakeTimer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(interval);
      clearTimeout(wakeTimer);
      await work.stop();
    },
  };
}
