import { mkdir, readFile, writeFile, chmod } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import type { CliIo } from "../../cli/cli-io.ts";
import { systemClock } from "../../core/ports.ts";
import { loadConfigFile } from "./load-config-file.ts";

/** The Node implementation of the commands' runtime port. */
export function nodeCliIo(): CliIo {
  let lines: AsyncIterator<string> | undefined;
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    async readLine(prompt) {
      if (prompt) process.stderr.write(prompt);
      lines ??= createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
      const next = await lines.next();
      return next.done ? null : next.value;
    },
    readTextFile: (path) => readFile(path, "utf8"),
    async writeTextFile(path, text, options) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text, { mode: options?.mode });
      // writeFile's mode only applies when the file is created; make it hold for an existing file too.
      if (options?.mode !== undefined) await chmod(path, options.mode);
    },
    env: (name) => process.env[name],
    loadConfig: (path) => loadConfigFile(path),
    // Node's fetch follows redirects unless told not to (issue #11).
    fetch: (url, init) => fetch(url, { ...init, redirect: "manual" } as RequestInit),
    clock: systemClock,
  };
}
