import type { LogFields, Logger, LogLevel } from "../../core/ports.ts";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** One JSON object per line on stderr (journald and container logs read it as is). */
export function createJsonLogger(level: LogLevel = "info", write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const threshold = ORDER[level] ?? ORDER.info;
  return {
    log(lvl: LogLevel, message: string, fields?: LogFields) {
      if (ORDER[lvl] < threshold) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg: message, ...fields })}\n`);
    },
  };
}
