import { execFile } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { parse } from "smol-toml";
import { afterEach, describe, expect, it } from "vitest";
import { runKeygen, KEYGEN_COMMAND } from "../src/cli/keygen.ts";
import { parseCommandLine } from "../src/adapters/node/cli/parse-command-line.ts";
import { createTestCliIo, type TestCliIo } from "./support/test-cli-io.ts";

const exec = promisify(execFile);
let io: TestCliIo | undefined;

afterEach(async () => {
  await io?.cleanup();
  io = undefined;
});

function publicPemFrom(stdout: string): string {
  const match = /-----BEGIN PUBLIC KEY-----\n[\s\S]*?\n-----END PUBLIC KEY-----\n/.exec(stdout);
  expect(match, stdout).not.toBeNull();
  return match![0];
}

function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
}

describe("keygen", () => {
  it("writes a PKCS#8 key (mode 0600) that openssl reads, prints the matching public key and TOML, never the private key", async () => {
    io = await createTestCliIo();
    const code = await runKeygen(
      parseCommandLine(["--out", "keys/bb.pem", "--consumer-key", "CDS-prod", "--server", "BB"], KEYGEN_COMMAND),
      io,
    );
    expect(code, io.stderrText).toBe(0);

    const file = io.path("keys/bb.pem");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const privatePem = await readFile(file, "utf8");
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----\n(?:[A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END PRIVATE KEY-----\n$/);
    await exec("openssl", ["pkey", "-in", file, "-noout"]);
    const { stdout: text } = await exec("openssl", ["pkey", "-in", file, "-noout", "-text"]);
    expect(text).toContain("2048 bit");

    const publicPem = publicPemFrom(io.stdoutText);
    const pubFile = io.path("pub.pem");
    await writeFile(pubFile, publicPem);
    await exec("openssl", ["pkey", "-pubin", "-in", pubFile, "-noout"]);
    const { stdout: derived } = await exec("openssl", ["pkey", "-in", file, "-pubout"]);
    expect(pemBody(derived)).toBe(pemBody(publicPem));

    // A signature made with the file verifies with the printed public key.
    const data = io.path("data.txt");
    await writeFile(data, "base string");
    await exec("openssl", ["dgst", "-sha1", "-sign", file, "-out", io.path("sig.bin"), data]);
    await exec("openssl", ["dgst", "-sha1", "-verify", pubFile, "-signature", io.path("sig.bin"), data]);

    const toml = io.stdoutText.slice(io.stdoutText.indexOf("[vcs.servers"));
    expect(parse(toml)).toEqual({ vcs: { servers: { BB: { bitbucket: { consumerKey: "CDS-prod", privateKey: "file:keys/bb.pem" } } } } });

    const secretBody = pemBody(privatePem);
    for (const output of [io.stdoutText, io.stderrText]) {
      expect(output).not.toContain("PRIVATE KEY-----\nM");
      expect(output).not.toContain(secretBody.slice(40, 100));
    }
    expect(io.stderrText).toBe("");
  });

  it("defaults to key.pem and a [vcs.servers.Bitbucket.bitbucket] snippet", async () => {
    io = await createTestCliIo();
    expect(await runKeygen(parseCommandLine(["--bits", "1024"], KEYGEN_COMMAND), io)).toBe(0);
    await exec("openssl", ["pkey", "-in", io.path("key.pem"), "-noout"]);
    expect(io.stdoutText).toContain('[vcs.servers.Bitbucket.bitbucket]\nconsumerKey = "CDS"\nprivateKey = "file:key.pem"');
    expect(io.stderrText).toMatch(/^warning: 1024-bit RSA is weak/);
    const { stdout } = await exec("openssl", ["pkey", "-in", io.path("key.pem"), "-noout", "-text"]);
    expect(stdout).toContain("1024 bit");
  });

  it("refuses fewer than 1024 bits and malformed --bits with exit 2, writing nothing", async () => {
    for (const bits of ["1023", "512", "abc", "2048.5"]) {
      io = await createTestCliIo();
      expect(await runKeygen(parseCommandLine(["--bits", bits], KEYGEN_COMMAND), io)).toBe(2);
      expect(io.stderrText.trim().split("\n")).toHaveLength(1);
      await expect(stat(io.path("key.pem"))).rejects.toThrow();
      await io.cleanup();
    }
    io = await createTestCliIo();
    // A flag without its value never reaches the command (issue #11).
    expect(() => parseCommandLine(["--bits"], KEYGEN_COMMAND)).toThrow(expect.objectContaining({ code: "ERR_USAGE" }));
  });

  it("does not overwrite an existing key without --force", async () => {
    io = await createTestCliIo();
    await writeFile(io.path("key.pem"), "old");
    expect(await runKeygen(parseCommandLine([], KEYGEN_COMMAND), io)).toBe(1);
    expect(await readFile(io.path("key.pem"), "utf8")).toBe("old");
    expect(io.stderrText).toContain("--force");
    expect(await runKeygen(parseCommandLine(["--force"], KEYGEN_COMMAND), io)).toBe(0);
    await exec("openssl", ["pkey", "-in", io.path("key.pem"), "-noout"]);
  });
});
