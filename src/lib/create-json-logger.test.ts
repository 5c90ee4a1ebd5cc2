import { describe, expect, it } from "vitest";
import type { LogLevel } from "../core/ports.ts";
import { createJsonLogger } from "./create-json-logger.ts";

describe("createJsonLogger: one logger for every runtime, its writer injected (issue #15)", () => {
  const capture = () => {
    const lines: Array<[LogLevel, string]> = [];
    return { lines, write: (line: string, level: LogLevel) => lines.push([level, line]) };
  };

  it("writes one JSON object per line, with time, level, message and fields, at or above the threshold", () => {
    const { lines, write } = capture();
    const logger = createJsonLogger({ level: "warn", write, clock: { now: () => Date.parse("2026-11-25T10:00:00Z") } });
    logger.log("info", "not shown");
    logger.log("warn", "shown", { delivery: "d1", attempts: 2 });
    logger.log("error", "also shown");
    expect(lines).toEqual([
      ["warn", '{"time":"2026-11-25T10:00:00.000Z","level":"warn","msg":"shown","delivery":"d1","attempts":2}'],
      ["error", '{"time":"2026-11-25T10:00:00.000Z","level":"error","msg":"also shown"}'],
    ]);
  });

  it("takes info for a missing or unknown level, and leaves the time out when the platform stamps lines itself", () => {
    const { lines, write } = capture();
    createJsonLogger({ level: undefined, write, time: false }).log("debug", "hidden");
    createJsonLogger({ level: "loud", write, time: false }).log("info", "kept", { server: "B" });
    expect(lines).toEqual([["info", '{"level":"info","msg":"kept","server":"B"}']]);
  });

  it("writes what JSON.stringify of the head and the fields writes: escapes, empty fields, a field named like the head (issue #13)", () => {
    const now = Date.parse("2026-11-25T10:00:00Z");
    const cases: Array<[string, Record<string, unknown> | undefined]> = [
      ['a "quoted"\nmessage', { path: 'gateway."x"', n: 1, skipped: undefined }],
      ["no fields", undefined],
      ["empty fields", {}],
      ["a field named msg", { msg: "theirs", level: "x" }],
    ];
    for (const time of [true, false]) {
      const { lines, write } = capture();
      const logger = createJsonLogger({ level: "debug", write, time, clock: { now: () => now } });
      for (const [message, fields] of cases) logger.log("info", message, fields as never);
      const head = (message: string) =>
        time ? { time: new Date(now).toISOString(), level: "info", msg: message } : { level: "info", msg: message };
      expect(lines.map(([, line]) => line)).toEqual(cases.map(([message, fields]) => JSON.stringify({ ...head(message), ...fields })));
    }
  });
});
