import type { Logger } from "../../core/ports.ts";

/** What a scheduled run gets. */
export interface ScheduledDeps {
  /** The core's periodic work: `Gateway.runScheduledWork` (due queued deliveries, and what the core adds there). */
  work: () => Promise<void>;
  logger: Logger;
  /** When this run was due (ms since the epoch): the Cron Trigger's `scheduledTime`. */
  scheduledTime: number;
  /** The cron expression that fired. */
  cron: string;
}

/**
 * One run of the Worker's periodic work, from the Cron Trigger (`scheduled`
 * handler, once a minute). Runs of overlapping invocations are safe: the
 * core claims each due item with `putIfAbsent` (a ClaimLock) before acting.
 * A failure is logged and rethrown, so the invocation shows as failed in
 * the Cron Events.
 */
export async function runScheduled(deps: ScheduledDeps): Promise<void> {
  const fields = { cron: deps.cron, scheduledTime: new Date(deps.scheduledTime).toISOString() };
  deps.logger.log("debug", "scheduled run", fields);
  try {
    await deps.work();
  } catch (error) {
    deps.logger.log("error", "scheduled work failed", { ...fields, error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}
