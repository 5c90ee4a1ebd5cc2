/** Bytes of request bodies held in memory by requests in progress, against one limit. */
export interface BodyBudget {
  /** Takes `bytes` from the budget; false (and nothing taken) when that would go over the limit. */
  reserve(bytes: number): boolean;
  release(bytes: number): void;
  /** Bytes reserved now. */
  inFlight(): number;
}

/**
 * The gateway's budget of webhook body bytes in flight
 * (`gateway.maxBodyBytesInFlight`, issue #11): bodies are buffered before
 * their signature can be checked, so without a bound across connections 30
 * clients holding 9 MiB each grow the process by 270 MiB. One per process
 * (Node, Deno) or isolate (Workers), in the core so every runtime has it.
 */
export function createBodyBudget(limit: number): BodyBudget {
  let used = 0;
  return {
    reserve(bytes) {
      if (used + bytes > limit) return false;
      used += bytes;
      return true;
    },
    release(bytes) {
      used = Math.max(0, used - bytes);
    },
    inFlight: () => used,
  };
}
