import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem, type as osType } from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** The 1-minute load average when the run began: a busy machine shows here. */
  load: number;
  date: string;
}

/** What the figures were measured on. */
export function describeMachine(): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.replace(/\s+/g, " ").trim() ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osName()} (${osType()} ${release()})`,
    node: process.version,
    load: Math.round(loadavg()[0]! * 100) / 100,
    date: new Date().toISOString().slice(0, 10),
  };
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? osType();
  } catch {
    return osType();
  }
}

/** The part of `<command> <args>`'s output `pattern` captures, or undefined when it does not run. */
export function versionOf(command: string, args: string[], pattern: RegExp): string | undefined {
  const probe = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
  if (probe.status !== 0) return undefined;
  return pattern.exec(`${probe.stdout}${probe.stderr}`)?.[1];
}
