import { write, writeSync } from "node:fs";
import type { LineSink } from "../../lib/create-line-buffer.ts";

/**
 * stderr (file descriptor 2) for the log's line buffer. `process.stderr`
 * writes a pipe synchronously on Linux; `fs.write` runs in libuv's thread
 * pool, so a slow log reader holds a pool thread, never the event loop. A
 * descriptor left non-blocking by someone else answers EAGAIN: tried again
 * shortly, as pino's sonic-boom does.
 */
export function stderrSink(fd = 2): LineSink {
  return {
    async write(chunk) {
      let bytes = Buffer.from(chunk);
      while (bytes.length > 0) {
        const written = await new Promise<number>((resolve, reject) =>
          write(fd, bytes, (error, n) => {
            if (!error) resolve(n);
            else if (error.code === "EAGAIN") setTimeout(() => resolve(0), 10);
            else reject(error);
          }),
        );
        bytes = bytes.subarray(written);
      }
    },
    writeSync(chunk) {
      let bytes = Buffer.from(chunk);
      // At exit only: a few tries on EAGAIN, then what is left is given up.
      for (let tries = 0; bytes.length > 0 && tries < 100; tries++) {
        try {
          bytes = bytes.subarray(writeSync(fd, bytes));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return;
        }
      }
    },
  };
}
