import type { Invocation, PendingWork } from "../lib/pending-work.ts";
import type { Clock } from "../core/ports.ts";
import type { DrainSummary } from "./drain-instance.ts";

/**
 * How long a process trusts that an instance had nothing waiting for it
 * before it looks again after a success: another process may have queued
 * deliveries for it meanwhile (issue #12, finding 6).
 */
export const BACKLOG_RECHECK_MS = 5_000;

export interface InstanceBacklog {
  /**
   * An instance took a webhook (a direct forward, a late answer or a retry):
   * its queued deliveries are drained at once, in the background. On the
   * relay's hot path: a lookup in memory when this process looked less than
   * BACKLOG_RECHECK_MS ago, found nothing and has seen no failure since.
   */
  accepted(instance: string, invocation?: Invocation): void;
  /** An attempt did not reach these instances: the next success of one of them looks at once. */
  unreached(instances: readonly string[]): void;
}

interface InstanceState {
  /** When this process last looked (or drained), ms since the epoch. */
  checkedAt: number;
  /** An attempt did not reach it since. */
  failedSince: boolean;
  draining: boolean;
}

/**
 * Per process, which instances may have queued deliveries waiting for them
 * (what is really waiting is in the store's index: listWaiting), so that a
 * success costs nothing when nothing is queued, and a recovery is drained
 * the moment the instance takes a webhook again, by whichever process saw
 * it (drainInstance).
 */
export function createInstanceBacklog(deps: {
  clock: Clock;
  pending: PendingWork;
  drain: (instance: string, invocation?: Invocation) => Promise<DrainSummary>;
}): InstanceBacklog {
  const states = new Map<string, InstanceState>();
  const stateOf = (instance: string) => {
    let state = states.get(instance);
    if (state === undefined) {
      state = { checkedAt: -Infinity, failedSince: false, draining: false };
      states.set(instance, state);
    }
    return state;
  };
  return {
    accepted(instance, invocation) {
      const known = states.get(instance);
      if (known !== undefined && (known.draining || (!known.failedSince && deps.clock.now() - known.checkedAt < BACKLOG_RECHECK_MS)))
        return;
      const state = stateOf(instance);
      state.draining = true;
      state.failedSince = false;
      const drained = deps.drain(instance, invocation).then(
        (summary) => {
          // Stopped by a failure: the next success looks again at once.
          if (summary.stopped !== undefined) state.failedSince = true;
        },
        (error: unknown) => {
          state.failedSince = true;
          throw error;
        },
      );
      deps.pending.track(
        drained.finally(() => {
          state.draining = false;
          state.checkedAt = deps.clock.now();
        }),
        invocation,
      );
    },
    unreached(instances) {
      for (const instance of instances) stateOf(instance).failedSince = true;
    },
  };
}
