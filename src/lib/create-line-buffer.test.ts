import { describe, expect, it } from "vitest";
import { createLineBuffer, type LineSink } from "./create-line-buffer.ts";

/** A sink whose writes end when the test says so. */
function slowSink() {
  const chunks: string[] = [];
  const syncChunks: string[] = [];
  const waiting: (() => void)[] = [];
  const sink: LineSink = {
    write: (chunk) =>
      new Promise<void>((resolve) =>
        waiting.push(() => {
          chunks.push(chunk);
          resolve();
        }),
      ),
    writeSync: (chunk) => void syncChunks.push(chunk),
  };
  const finishOne = async () => {
    waiting.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { sink, chunks, syncChunks, waiting, finishOne };
}

const manual = () => {
  const queued: (() => void)[] = [];
  return { schedule: (f: () => void) => void queued.push(f), run: () => queued.splice(0).forEach((f) => f()), queued };
};

describe("createLineBuffer", () => {
  it("writes the lines of one turn as one chunk, after the turn, never during write()", async () => {
    const s = slowSink();
    const tick = manual();
    const buffer = createLineBuffer(s.sink, { schedule: tick.schedule });
    buffer.write("a");
    buffer.write("b");
    expect(s.waiting).toHaveLength(0);
    expect(tick.queued).toHaveLength(1);
    tick.run();
    await s.finishOne();
    expect(s.chunks).toEqual(["a\nb\n"]);
  });

  it("gathers the lines written while a chunk is on its way into the next chunk, in order", async () => {
    const s = slowSink();
    const tick = manual();
    const buffer = createLineBuffer(s.sink, { schedule: tick.schedule });
    buffer.write("1");
    tick.run();
    buffer.write("2");
    buffer.write("3");
    expect(tick.queued).toHaveLength(0);
    await s.finishOne();
    await s.finishOne();
    expect(s.chunks).toEqual(["1\n", "2\n3\n"]);
  });

  it("drops lines past its bound while the sink is stuck, and says how many once it moves", async () => {
    const s = slowSink();
    const tick = manual();
    const buffer = createLineBuffer(s.sink, { schedule: tick.schedule, maxBufferedChars: 12 });
    buffer.write("first");
    tick.run();
    for (let i = 0; i < 5; i++) buffer.write(`line${i}`);
    await s.finishOne();
    await s.finishOne();
    expect(s.chunks[0]).toBe("first\n");
    const [kept, report] = s.chunks[1]!.trimEnd()
      .split("\n")
      .reduce<[string[], string[]]>(([k, r], line) => (line.startsWith("{") ? [k, [...r, line]] : [[...k, line], r]), [[], []]);
    expect(kept).toEqual(["line0", "line1"]);
    expect(JSON.parse(report[0]!)).toMatchObject({ level: "warn", dropped: 3 });
  });

  it("flushSync writes what is held at once; flushed() waits for the sink", async () => {
    const s = slowSink();
    const tick = manual();
    const buffer = createLineBuffer(s.sink, { schedule: tick.schedule });
    buffer.write("held");
    buffer.flushSync();
    expect(s.syncChunks).toEqual(["held\n"]);
    buffer.write("later");
    let done = false;
    const flushed = buffer.flushed().then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(done).toBe(false);
    await s.finishOne();
    await flushed;
    expect(s.chunks).toEqual(["later\n"]);
  });

  it("keeps going after the sink failed once", async () => {
    const chunks: string[] = [];
    let fail = true;
    const buffer = createLineBuffer(
      {
        write: async (chunk) => {
          if (fail) {
            fail = false;
            throw new Error("EPIPE");
          }
          chunks.push(chunk);
        },
        writeSync: () => undefined,
      },
      { schedule: (f) => setTimeout(f, 0) },
    );
    buffer.write("lost");
    await buffer.flushed();
    buffer.write("kept");
    await buffer.flushed();
    expect(chunks).toEqual(["kept\n"]);
  });
});
