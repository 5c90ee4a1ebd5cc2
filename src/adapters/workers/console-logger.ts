import type { LogFields, Logger, LogLevel } from "../../core/ports.ts";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * One JSON object per log line, written with `console.*`: Workers Logs and
 * `wrangler tail` index the fields of JSON lines. `level` is the threshold
 * (the `LOG_LEVEL` var; default info).
 */
export function createConsoleLogger(level: string | undefined): Logger {
  const threshold = ORDER[level as LogLevel] ?? ORDER.info;
  return {
    log(lvl: LogLevel, message: string, fields?: LogFields) {
      if (ORDER[lvl] < threshold) return;
      const line = JSON.stringify({ level: lvl, msg: message, ...fields });
      if (lvl === "error") console.error(line);
      else if (lvl === "warn") console.warn(line);
      else console.log(line);
    },
  };
}
