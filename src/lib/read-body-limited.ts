import type { BodyBudget } from "./create-body-budget.ts";

/** The body was larger than the limit; nothing past the limit was read. */
export const TOO_LARGE = Symbol("too-large");
/** Reading it would have taken the bodies in flight over the budget; nothing more was read. */
export const OVER_BUDGET = Symbol("over-budget");
/** The whole body did not arrive within the deadline; reading stopped. */
export const TIMED_OUT = Symbol("timed-out");
/** The client went away (or the runtime cut it) before the body was complete. */
export const ABORTED = Symbol("aborted");

export type BodyRead = Uint8Array | typeof TOO_LARGE | typeof OVER_BUDGET | typeof TIMED_OUT | typeof ABORTED;

export interface BodyLimits {
  /** Budget of body bytes in flight across requests; a body read whole holds `body.byteLength` of it until the caller releases them. */
  budget?: BodyBudget;
  /** The whole body must arrive within this many ms of the call: a total, not an idle timeout. */
  timeoutMs?: number;
}

/**
 * Reads a request body into memory, bounded by `maxBytes` (docs/relay.md,
 * step 4: 413, read no further), by the budget of bytes in flight and by a deadline for
 * the whole body (issue #11). A declared Content-Length over the limit is
 * refused before reading anything, and one over what the budget has left is
 * refused the same way; a body without one (chunked) is counted as it
 * streams in, taking from the budget chunk by chunk, and reading stops at
 * `maxBytes` + 1. Only a body returned whole keeps its bytes of the budget:
 * on every other outcome what was taken is given back, once the runtime has
 * let go of the bytes.
 */
export async function readBodyLimited(request: Request, maxBytes: number, limits: BodyLimits = {}): Promise<BodyRead> {
  const { budget } = limits;
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) return TOO_LARGE;
  const deadline = createDeadline(limits.timeoutMs);
  try {
    // With a Content-Length within the limit, HTTP framing bounds the body: read it
    // whole (runtimes have a fast path for that; @hono/node-server skips web streams).
    if (declared !== null && /^\d+$/.test(declared)) {
      const length = Number(declared);
      if (budget && !budget.reserve(length)) return OVER_BUDGET;
      const read = request.arrayBuffer();
      // Held by the runtime until the read settles, whatever this function answers.
      const holding = read.then(
        (b) => b.byteLength,
        () => 0,
      );
      const outcome = await deadline.race(read).catch((): typeof ABORTED => ABORTED);
      if (outcome instanceof ArrayBuffer) {
        if (budget && outcome.byteLength !== length) budget.release(length - outcome.byteLength);
        return new Uint8Array(outcome);
      }
      if (budget) void holding.then(() => budget.release(length));
      return outcome;
    }
    if (!request.body) return new Uint8Array(0);
    return await readStream(request.body, maxBytes, budget, deadline);
  } finally {
    deadline.clear();
  }
}

async function readStream(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  budget: BodyBudget | undefined,
  deadline: Deadline,
): Promise<BodyRead> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stop = async (outcome: typeof TOO_LARGE | typeof OVER_BUDGET | typeof TIMED_OUT | typeof ABORTED) => {
    budget?.release(total);
    await reader.cancel().catch(() => {});
    return outcome;
  };
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array> | typeof TIMED_OUT;
    try {
      next = await deadline.race(reader.read());
    } catch {
      return stop(ABORTED);
    }
    if (next === TIMED_OUT) return stop(TIMED_OUT);
    if (next.done) break;
    const value = next.value;
    if (total + value.byteLength > maxBytes) return stop(TOO_LARGE);
    if (budget && !budget.reserve(value.byteLength)) return stop(OVER_BUDGET);
    total += value.byteLength;
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

interface Deadline {
  /** `promise`'s outcome, or TIMED_OUT once the deadline has passed. */
  race<T>(promise: Promise<T>): Promise<T | typeof TIMED_OUT>;
  clear(): void;
}

function createDeadline(timeoutMs: number | undefined): Deadline {
  if (timeoutMs === undefined) return { race: (promise) => promise, clear() {} };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  return {
    race: (promise) => Promise.race([promise, expired]),
    clear() {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
