import type { Logger } from "../../core/ports.ts";
import { createJsonLogger } from "../../lib/create-json-logger.ts";

/**
 * The gateway's JSON logger written with `console.*`: Workers Logs and
 * `wrangler tail` index the fields of JSON lines, and stamp them, so no
 * `time`. `level` is the threshold (the `LOG_LEVEL` var; default info).
 */
export function createConsoleLogger(level: string | undefined): Logger {
  return createJsonLogger({
    level,
    time: false,
    write(line, lineLevel) {
      if (lineLevel === "error") console.error(line);
      else if (lineLevel === "warn") console.warn(line);
      else console.log(line);
    },
  });
}
