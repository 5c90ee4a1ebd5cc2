/** Where a {@link createLineBuffer} sends its chunks: the runtime's stderr. */
export interface LineSink {
  /** Writes `chunk` without holding the event loop; resolves once it was written whole. */
  write(chunk: string): Promise<void>;
  /** Writes `chunk` before returning: only when the process is about to end. */
  writeSync(chunk: string): void;
}

export interface LineBufferOptions {
  /** Runs `flush` soon, after the work at hand: a 20 ms timer on Node and Deno, so a batch gathers the lines of many requests. */
  schedule: (flush: () => void) => void;
  /** Characters held at most while the sink is slow; lines past that are dropped and counted. Default 4 Mi. */
  maxBufferedChars?: number;
}

export interface LineBuffer {
  /** Queues one line (without its line break); never blocks. */
  write(line: string): void;
  /** Writes what is held, synchronously: at exit. */
  flushSync(): void;
  /** Resolves once what was written so far reached the sink. */
  flushed(): Promise<void>;
}

/**
 * Log lines written in batches, asynchronously (issue #13: a synchronous
 * write per webhook cost about a tenth of the relay's CPU, and a stuck log
 * reader would stop the gateway). Lines written while a batch is on its way
 * join the next one; memory stays bounded: past `maxBufferedChars` lines are
 * dropped and a line says how many, as pino's sonic-boom does with `maxLength`.
 */
export function createLineBuffer(sink: LineSink, options: LineBufferOptions): LineBuffer {
  const max = options.maxBufferedChars ?? 4 * 1024 * 1024;
  let held: string[] = [];
  let heldChars = 0;
  let dropped = 0;
  let scheduled = false;
  let writing: Promise<void> | undefined;

  const take = (): string => {
    if (dropped > 0) {
      held.push(JSON.stringify({ level: "warn", msg: "log lines dropped: the log reader was too slow", dropped }));
      dropped = 0;
    }
    const chunk = held.length === 0 ? "" : `${held.join("\n")}\n`;
    held = [];
    heldChars = 0;
    return chunk;
  };
  const flush = () => {
    scheduled = false;
    if (writing || (held.length === 0 && dropped === 0)) return;
    const chunk = take();
    writing = sink.write(chunk).then(
      () => undefined,
      // The sink failed (stderr closed): nothing better to do with log lines than to drop them.
      () => undefined,
    );
    void writing.then(() => {
      writing = undefined;
      if (held.length > 0 || dropped > 0) flush();
    });
  };

  return {
    write(line) {
      if (heldChars + line.length > max) {
        dropped++;
        return;
      }
      held.push(line);
      heldChars += line.length + 1;
      if (!scheduled && !writing) {
        scheduled = true;
        options.schedule(flush);
      }
    },
    flushSync() {
      const chunk = take();
      if (chunk !== "") sink.writeSync(chunk);
    },
    async flushed() {
      while (writing || held.length > 0 || dropped > 0) {
        if (!writing) flush();
        await writing;
      }
    },
  };
}
