import type { Clock, LogFields, Logger, LogLevel } from "../core/ports.ts";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLoggerOptions {
  /** The threshold (`LOG_LEVEL`): debug, info, warn or error; anything else is info. */
  level: string | undefined;
  /** Where a line goes, without its line break: stderr on Node and Deno, `console.*` by level on Workers. */
  write: (line: string, level: LogLevel) => void;
  /** Adds `time` (ISO 8601) to each line; default true. Workers Logs stamps lines itself. */
  time?: boolean;
  clock?: Clock;
}

/**
 * The gateway's logger on every runtime (issue #15): one JSON object per
 * line (`time`, `level`, `msg`, then the fields), which journald, container
 * logs, Workers Logs and `wrangler tail` read as is. Callers never pass
 * secrets (ports.ts, Logger).
 */
export function createJsonLogger(options: JsonLoggerOptions): Logger {
  const threshold = options.level !== undefined && Object.hasOwn(ORDER, options.level) ? ORDER[options.level as LogLevel] : ORDER.info;
  const { write, clock } = options;
  const time = options.time ?? true;
  return {
    log(level: LogLevel, message: string, fields?: LogFields) {
      if (ORDER[level] < threshold) return;
      const stamp = time ? new Date(clock?.now() ?? Date.now()).toISOString() : undefined;
      if (fields !== undefined && (Object.hasOwn(fields, "time") || Object.hasOwn(fields, "level") || Object.hasOwn(fields, "msg"))) {
        // A field named like the head wins, in the head's place.
        write(JSON.stringify({ ...(stamp !== undefined ? { time: stamp } : {}), level, msg: message, ...fields }), level);
        return;
      }
      // Otherwise written out rather than spread into one object and stringified: a line per webhook
      // (issue #13). Of the head, only the message needs escaping.
      const head = `${stamp !== undefined ? `{"time":"${stamp}",` : "{"}"level":"${level}","msg":${JSON.stringify(message)}`;
      const rest = fields === undefined ? "{}" : JSON.stringify(fields);
      write(rest.length > 2 ? `${head},${rest.slice(1)}` : `${head}}`, level);
    },
  };
}
