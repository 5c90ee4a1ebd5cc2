/**
 * Run by `npm test` before anything else (the `pretest` script): checks that
 * this machine has what the tests need (scripts/test-requirements.ts). When
 * something is missing and apt-get can install it — apt-get on PATH (Debian,
 * Ubuntu), as root or with passwordless sudo — it says which packages it
 * installs, then installs them; otherwise it stops with the exact list.
 *
 *   node --import tsx scripts/check-test-requirements.ts [--no-install]
 *
 * `--no-install` (or CDS_GATEWAY_TEST_NO_INSTALL=1) only checks. Exit status
 * 0 when everything is there (then it prints nothing), 1 otherwise.
 */
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { findOnPath, TEST_REQUIREMENTS, type TestRequirement } from "./test-requirements.ts";

/** How apt-get can be run here, or why it cannot. */
export type Installer = { aptGet: string; prefix: string[] } | { reason: string };

/** The requirements this machine lacks. */
export function missingRequirements(
  env: NodeJS.ProcessEnv,
  requirements: readonly TestRequirement[] = TEST_REQUIREMENTS,
): TestRequirement[] {
  return requirements.filter((r) => !r.present(env));
}

/** The Debian packages of `missing`, each once, in the list's order. */
export function debianPackages(missing: readonly TestRequirement[]): string[] {
  return [...new Set(missing.flatMap((r) => r.debian))];
}

/** apt-get, run directly as root or through `sudo -n` when that needs no password. */
export function findInstaller(env: NodeJS.ProcessEnv, uid: number | undefined): Installer {
  const aptGet = findOnPath("apt-get", env);
  if (!aptGet) return { reason: "apt-get is not on PATH: not Debian or Ubuntu" };
  if (uid === 0) return { aptGet, prefix: [] };
  const sudo = findOnPath("sudo", env);
  if (sudo && spawnSync(sudo, ["-n", "true"], { env, stdio: "ignore", timeout: 30_000 }).status === 0) {
    // sudo resets the environment: env(1) carries DEBIAN_FRONTEND through it.
    return { aptGet, prefix: [sudo, "-n", "/usr/bin/env", "DEBIAN_FRONTEND=noninteractive"] };
  }
  return { reason: "installing needs root or passwordless sudo" };
}

function listMissing(missing: readonly TestRequirement[]): string {
  return missing.map((r) => `  - ${r.name}, for ${r.usedBy} (Debian/Ubuntu package: ${r.debian.join(" ")})\n`).join("");
}

function runApt(installer: { aptGet: string; prefix: string[] }, args: string[], env: NodeJS.ProcessEnv): boolean {
  const [command, ...rest] = [...installer.prefix, installer.aptGet, ...args];
  const result = spawnSync(command!, rest, { env: { ...env, DEBIAN_FRONTEND: "noninteractive" }, stdio: "inherit" });
  return result.status === 0;
}

/** Checks, installs where it can, re-checks. Returns the exit status. */
export function checkTestRequirements(options: { env: NodeJS.ProcessEnv; uid: number | undefined; install: boolean }): number {
  const { env } = options;
  const missing = missingRequirements(env);
  if (missing.length === 0) return 0;
  const packages = debianPackages(missing);

  const installer: Installer = options.install
    ? findInstaller(env, options.uid)
    : { reason: "asked only to check (--no-install or CDS_GATEWAY_TEST_NO_INSTALL=1)" };
  if ("reason" in installer) {
    process.stderr.write(
      `npm test needs what this machine lacks:\n${listMissing(missing)}` +
        `Install it, then run npm test again. On Debian or Ubuntu:\n  sudo apt-get install ${packages.join(" ")}\n` +
        `(not installed automatically: ${installer.reason})\n`,
    );
    return 1;
  }

  process.stdout.write(
    `npm test needs what this machine lacks:\n${listMissing(missing)}` +
      `Installing these Debian packages now with apt-get: ${packages.join(" ")}\n`,
  );
  if (
    !runApt(installer, ["update", "-qq"], env) ||
    !runApt(installer, ["install", "-y", "-qq", "--no-install-recommends", ...packages], env)
  ) {
    process.stderr.write(`apt-get could not install ${packages.join(" ")}: install them yourself, then run npm test again\n`);
    return 1;
  }
  const still = missingRequirements(env);
  if (still.length > 0) {
    process.stderr.write(`still missing after apt-get install ${packages.join(" ")}:\n${listMissing(still)}`);
    return 1;
  }
  process.stdout.write(`installed: ${packages.join(" ")}\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const install = !process.argv.includes("--no-install") && process.env.CDS_GATEWAY_TEST_NO_INSTALL !== "1";
  process.exitCode = checkTestRequirements({ env: process.env, uid: process.getuid?.(), install });
}
