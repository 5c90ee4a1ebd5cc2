import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../scripts/worker-bundle-size.ts";
import { findOnPath } from "../scripts/test-requirements.ts";

const SCRIPT = join(REPO_ROOT, "scripts/check-test-requirements.ts");

/**
 * A PATH that hides redis-server: a directory holding only openssl (a link to
 * the real one) and, when asked, stand-ins for apt-get and sudo. The apt-get
 * stand-in installs nothing: it prints and records its arguments.
 */
function pathWithoutRedis(stubs: { aptGet?: boolean } = {}): { path: string; aptCalls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), "cds-gw-req-"));
  const openssl = findOnPath("openssl", process.env);
  if (!openssl) throw new Error("openssl is needed to build this test's PATH");
  symlinkSync(openssl, join(dir, "openssl"));
  if (stubs.aptGet) {
    const stub = (name: string, body: string) => {
      writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    };
    stub("apt-get", 'echo "stub apt-get $*"\necho "$*" >> "${0%/*}/apt-calls.log"');
    // For a run as non-root: passwordless sudo that runs its command as is.
    stub("sudo", '[ "$1" = -n ] && shift\n[ "$1" = true ] && exit 0\nexec "$@"');
  }
  const log = join(dir, "apt-calls.log");
  return { path: dir, aptCalls: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []) };
}

function runCheck(path: string, args: string[] = []) {
  const { CDS_GATEWAY_TEST_NO_INSTALL: _ignored, ...env } = process.env;
  const run = spawnSync(process.execPath, ["--import", "tsx", SCRIPT, ...args], {
    cwd: REPO_ROOT,
    env: { ...env, PATH: path },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("npm test's requirement check (scripts/check-test-requirements.ts)", () => {
  it("passes silently on this machine, which has everything", () => {
    const run = runCheck(process.env.PATH ?? "", ["--no-install"]);
    expect(run).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("names a program hidden from PATH and its Debian package, and stops without apt-get", () => {
    const { path } = pathWithoutRedis();
    const run = runCheck(path);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "  - redis-server on PATH, for the Redis store tests (test/*-redis.test.ts) (Debian/Ubuntu package: redis-server)\n",
    );
    expect(run.stderr).toContain("  sudo apt-get install redis-server\n");
    expect(run.stderr).toContain("apt-get is not on PATH");
    expect(run.stderr).not.toContain("openssl");
    expect(run.stdout).toBe("");
  });

  it("with --no-install only checks: apt-get on PATH is never run", () => {
    const { path, aptCalls } = pathWithoutRedis({ aptGet: true });
    const run = runCheck(path, ["--no-install"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("redis-server on PATH");
    expect(run.stderr).toContain("not installed automatically: asked only to check (--no-install or CDS_GATEWAY_TEST_NO_INSTALL=1)");
    expect(aptCalls()).toEqual([]);
  });

  it("says what it installs, then runs apt-get (a stand-in here) for exactly that, and re-checks", () => {
    const { path, aptCalls } = pathWithoutRedis({ aptGet: true });
    const run = runCheck(path);
    const announced = run.stdout.indexOf("Installing these Debian packages now with apt-get: redis-server\n");
    expect(announced).toBeGreaterThanOrEqual(0);
    expect(run.stdout.indexOf("stub apt-get")).toBeGreaterThan(announced);
    expect(aptCalls()).toEqual(["update -qq", "install -y -qq --no-install-recommends redis-server"]);
    // The stand-in installed nothing: the check says so instead of going on.
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("still missing after apt-get install redis-server:\n  - redis-server on PATH");
  });
});
