/**
 * What the tests need besides npm packages — the one list of it. A test that
 * starts a program or imports a library from the system adds an entry here:
 * `npm test` checks this list first (scripts/check-test-requirements.ts),
 * installs the Debian packages of what is missing where it can, and
 * otherwise names them.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface TestRequirement {
  /** What is checked, as the messages name it. */
  name: string;
  /** The tests that need it. */
  usedBy: string;
  /** The Debian / Ubuntu packages that provide it. */
  debian: readonly string[];
  /** Whether this machine has it, for a process with environment `env`. */
  present(env: NodeJS.ProcessEnv): boolean;
}

/** Debian's interpreter, which has the python3-* packages (test/oauth1-oauthlib.test.ts uses it). */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** The Chromium test/admin-page.test.ts drives: `$CHROMIUM_PATH`, else Debian's. */
export const chromiumPath = (env: NodeJS.ProcessEnv): string => env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const TEST_REQUIREMENTS: readonly TestRequirement[] = [
  program("redis-server", "the Redis store tests (test/*-redis.test.ts)", ["redis-server"]),
  program("openssl", "test/cli-keygen.test.ts", ["openssl"]),
  {
    name: "Chromium ($CHROMIUM_PATH, else /usr/bin/chromium)",
    usedBy: "test/admin-page.test.ts",
    debian: ["chromium"],
    present: (env) => isExecutableFile(chromiumPath(env)),
  },
  { name: SYSTEM_PYTHON, usedBy: "test/oauth1-oauthlib.test.ts", debian: ["python3"], present: () => isExecutableFile(SYSTEM_PYTHON) },
  pythonModule("oauthlib.oauth1.rfc5849.signature", "test/oauth1-oauthlib.test.ts", "python3-oauthlib"),
  pythonModule("jwt", "test/oauth1-oauthlib.test.ts (oauthlib's RSA-SHA1)", "python3-jwt"),
  pythonModule("cryptography", "test/oauth1-oauthlib.test.ts (oauthlib's RSA-SHA1)", "python3-cryptography"),
];

/** A program the tests start by name, so it must be on PATH. */
function program(command: string, usedBy: string, debian: string[]): TestRequirement {
  return { name: `${command} on PATH`, usedBy, debian, present: (env) => findOnPath(command, env) !== undefined };
}

/** A Python module the tests import with Debian's interpreter. */
function pythonModule(module: string, usedBy: string, debianPackage: string): TestRequirement {
  return {
    name: `Python module ${module} for ${SYSTEM_PYTHON}`,
    usedBy,
    debian: [debianPackage],
    present: () =>
      isExecutableFile(SYSTEM_PYTHON) &&
      spawnSync(SYSTEM_PYTHON, ["-c", `import ${module}`], { stdio: "ignore", timeout: 30_000 }).status === 0,
  };
}

/** The absolute path `command` resolves to on `env.PATH`, as a shell would find it. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
