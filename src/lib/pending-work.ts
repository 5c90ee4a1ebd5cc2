import type { Logger } from "../core/ports.ts";

/**
 * The runtime's way to keep work going after the answer it belongs to was
 * given: Workers' `ctx.waitUntil` (an HTTP invocation keeps it up to 30 s
 * after the response, a Queue consumer or Cron Trigger up to 15 min). Node
 * and Deno need none: their process keeps it.
 */
export type WaitUntil = (work: Promise<unknown>) => void;

/** What the runtime passes with one invocation (a request, a Queue batch, a scheduled run). */
export interface Invocation {
  waitUntil?: WaitUntil;
}

/** Work that goes on after its caller moved on (issue #12): late answers of CDS, recovery drains. */
export interface PendingWork {
  /** Tracked work not ended yet, in this process. */
  readonly size: number;
  /** Keeps `work` going, through the invocation's waitUntil when it has one; its failure is logged. */
  track(work: Promise<unknown>, invocation?: Invocation): void;
  /** Resolves once every tracked work has ended (true), or after `timeoutMs` (false): for a shutdown. */
  settled(timeoutMs: number): Promise<boolean>;
}

export function createPendingWork(logger: Logger): PendingWork {
  const pending = new Set<Promise<unknown>>();
  return {
    get size() {
      return pending.size;
    },
    track(work, invocation) {
      const tracked: Promise<unknown> = work
        .catch((error: unknown) => {
          logger.log("error", "background work failed", { error: error instanceof Error ? error.message : String(error) });
        })
        .finally(() => pending.delete(tracked));
      pending.add(tracked);
      invocation?.waitUntil?.(tracked);
    },
    async settled(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const all = (async () => {
        while (pending.size > 0) await Promise.all([...pending]);
        return true as const;
      })();
      try {
        return await Promise.race([all, timeout]);
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
    },
  };
}
