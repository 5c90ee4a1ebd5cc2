import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SYSTEM_PYTHON } from "../../scripts/test-requirements.ts";

/**
 * Starts test/support/oauthlib-verifier.py, an OAuth 1.0a RSA-SHA1 verifier
 * built on Python's oauthlib (an independent implementation), with Debian's
 * /usr/bin/python3.
 */
const PYTHON = SYSTEM_PYTHON;
const VERIFIER = fileURLToPath(new URL("./oauthlib-verifier.py", import.meta.url));
const exec = promisify(execFile);

export interface OauthlibVerifier {
  port: number;
  stop(): Promise<void>;
}

export async function requirePythonOauthlib(): Promise<void> {
  try {
    await exec(PYTHON, ["-c", "import oauthlib.oauth1.rfc5849.signature, jwt, cryptography"]);
  } catch (error) {
    throw new Error(
      `${PYTHON} cannot import oauthlib, jwt and cryptography, which this interop test needs ` +
        `(Debian: apt-get install python3-oauthlib python3-jwt python3-cryptography): ${String(error)}`,
    );
  }
}

/** Listens on 127.0.0.1 and checks each request's signature against the SPKI public key in `publicKeyFile`. */
export async function startOauthlibVerifier(publicKeyFile: string, consumerKey: string): Promise<OauthlibVerifier> {
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, [VERIFIER, publicKeyFile, consumerKey], { stdio: "pipe" });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (line) => {
      const match = /^PORT (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
      else reject(new Error(`verifier said ${line}`));
    });
    child.once("exit", (code) => reject(new Error(`oauthlib verifier exited with ${code}: ${stderr}`)));
  });
  return {
    port,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
