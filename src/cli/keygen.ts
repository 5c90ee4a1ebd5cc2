import { stringify } from "smol-toml";
import { bytesToBase64 } from "../lib/bytes.ts";
import type { CliArgs, CliIo, CommandSpec } from "./cli-io.ts";
import { flagValue } from "./flag-value.ts";

const USAGE = "cds-gateway keygen [--bits 2048] [--out key.pem] [--consumer-key CDS] [--server Bitbucket] [--force]";

/** The command line of this command (parsed strictly by the runtime). */
export const KEYGEN_COMMAND: CommandSpec = {
  usage: USAGE,
  options: {
    bits: { type: "string" },
    out: { type: "string" },
    "consumer-key": { type: "string" },
    server: { type: "string" },
    force: { type: "boolean" },
  },
};
const MIN_BITS = 1024;
const MAX_BITS = 16384;

/**
 * `keygen`: an RSA key pair for a Bitbucket application link, made with
 * WebCrypto (RSASSA-PKCS1-v1_5 / SHA-1, the RSA-SHA1 of RFC 5849 §3.4.3).
 * The private key goes to `--out` as PKCS#8 PEM with mode 0600 and is never
 * printed; stdout gets the SPKI public key to paste into Bitbucket and the
 * TOML lines pointing the configuration at the file. An existing file is
 * kept unless `--force`.
 */
export async function runKeygen(args: CliArgs, io: CliIo): Promise<number> {
  if (args.positionals.length > 0) {
    io.stderr(`unexpected argument "${args.positionals[0]}" (usage: ${USAGE})\n`);
    return 2;
  }
  const bitsFlag = args.flags.bits;
  const bitsText = bitsFlag === undefined ? "2048" : flagValue(args, "bits");
  if (bitsText === undefined || !/^\d+$/.test(bitsText)) {
    io.stderr(`--bits needs a whole number of bits (usage: ${USAGE})\n`);
    return 2;
  }
  const bits = Number(bitsText);
  if (bits < MIN_BITS) {
    io.stderr(`refusing --bits ${bits}: RSA keys shorter than ${MIN_BITS} bits are breakable; use 2048 or more\n`);
    return 2;
  }
  if (bits > MAX_BITS) {
    io.stderr(`refusing --bits ${bits}: at most ${MAX_BITS}\n`);
    return 2;
  }
  if (bits === MIN_BITS) {
    io.stderr(`warning: 1024-bit RSA is weak; accepted for old Bitbucket setups, prefer 2048 or more\n`);
  }
  const out = args.flags.out === undefined ? "key.pem" : flagValue(args, "out");
  const consumerKey = args.flags["consumer-key"] === undefined ? "CDS" : flagValue(args, "consumer-key");
  const serverName = args.flags.server === undefined ? "Bitbucket" : flagValue(args, "server");
  if (!out || !consumerKey || !serverName) {
    io.stderr(`--out, --consumer-key and --server need a value (usage: ${USAGE})\n`);
    return 2;
  }

  if (args.flags.force === undefined && (await exists(io, out))) {
    io.stderr(`${out} already exists; not overwriting a private key (use --force to replace it)\n`);
    return 1;
  }

  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-1" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const privatePem = toPem("PRIVATE KEY", await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const publicPem = toPem("PUBLIC KEY", await crypto.subtle.exportKey("spki", pair.publicKey));

  try {
    await io.writeTextFile(out, privatePem, { mode: 0o600 });
  } catch (error) {
    io.stderr(`cannot write ${out}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }

  const toml = stringify({ vcs: { servers: { [serverName]: { bitbucket: { consumerKey, privateKey: `file:${out}` } } } } });
  io.stdout(
    `Private key (${bits}-bit RSA, PKCS#8) written to ${out} with mode 0600. Keep it secret.\n\n` +
      `Public key: paste it into Bitbucket, Administration > Application Links > your link >\n` +
      `Incoming Authentication (Consumer Key "${consumerKey}"):\n\n` +
      publicPem +
      `\nConfiguration (a file: path is relative to the configuration file):\n\n` +
      toml +
      (toml.endsWith("\n") ? "" : "\n"),
  );
  return 0;
}

async function exists(io: CliIo, path: string): Promise<boolean> {
  try {
    await io.readTextFile(path);
    return true;
  } catch {
    return false;
  }
}

/** RFC 7468 textual encoding: base64 in lines of 64 characters between the labels. */
function toPem(label: string, der: ArrayBuffer): string {
  const lines = bytesToBase64(new Uint8Array(der)).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
