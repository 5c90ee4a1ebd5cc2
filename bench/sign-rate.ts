/**
 * OAuth 1.0a RSA-SHA1 signing rate (its own process, no server running in it):
 *   node --import tsx bench/sign-rate.ts --seconds S --rounds N
 * prints one JSON line: `Authorization` headers per second from the gateway's
 * signer (src/oauth1/oauth1-signer.ts: RFC 5849 parameters, base string,
 * WebCrypto RSASSA-PKCS1-v1_5 / SHA-1, header), and signatures per second from
 * bare `crypto.sign("sha1")` over the very base strings the signer signed.
 * One at a time on one thread, alternated round by round.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { Secret } from "../src/core/secret.ts";
import { importRsaPrivateKey } from "../src/oauth1/import-rsa-private-key.ts";
import { createOAuth1Signer, type OAuth1SignInput } from "../src/oauth1/oauth1-signer.ts";
import { median } from "./stats.ts";

export interface SigningFigures {
  keyBits: number;
  /** Headers (signatures) per second, median over rounds. */
  signer: number;
  bare: number;
  /** Median over rounds of signer / bare. */
  ratio: number;
  /**
   * Signatures per second from bare WebCrypto (`crypto.subtle.sign`, the
   * signer's own key) over the same base strings, one at a time: the most the
   * signer can do while it signs on WebCrypto (issue #13).
   */
  webCrypto: number;
}

const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = flag("seconds", 1);
const rounds = flag("rounds", 2);
const KEY_BITS = 2048; // what `cds-gateway keygen` makes

const { privateKey: pem } = generateKeyPairSync("rsa", {
  modulusLength: KEY_BITS,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const sha = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
const base = "https://bitbucket.example.com/rest";
const json = { "content-type": "application/json" };
// What the gateway sends to Bitbucket: a build status, a pull-request comment, a lookup with a query.
const inputs: OAuth1SignInput[] = [
  {
    method: "POST",
    url: `${base}/build-status/1.0/commits/${sha}`,
    headers: json,
    body: '{"state":"SUCCESSFUL"}',
    token: "access-token-0123456789",
  },
  {
    method: "POST",
    url: `${base}/api/1.0/projects/PRJ/repos/my-repo/pull-requests/42/comments`,
    headers: json,
    body: '{"text":"ok"}',
    token: "access-token-0123456789",
  },
  {
    method: "GET",
    url: `${base}/api/1.0/projects/PRJ/repos/my-repo/branches?filterText=feature%2Fx&limit=25`,
    token: "access-token-0123456789",
  },
];
// Nonces drawn once, used in a fixed cycle: the signer's calls repeat with a period of
// inputs × nonces, so the base strings it signs can be recorded once and signed bare too.
const nonces = Array.from({ length: 64 }, () => randomBytes(16).toString("hex"));
let call = 0;
const signer = createOAuth1Signer({
  consumerKey: "CDS",
  privateKey: new Secret(pem),
  clock: { now: () => 1_767_225_600_000 },
  nonce: () => nonces[call++ % nonces.length]!,
});
const period = inputs.length * nonces.length;
const signNext = (i: number) => signer.sign(inputs[i % inputs.length]!);

// Record the bytes the signer hands to WebCrypto: the signature base strings (RFC 5849 §3.4.1).
const subtle = crypto.subtle;
const originalSign = subtle.sign;
const baseStrings: Buffer[] = [];
subtle.sign = async function (this: SubtleCrypto, ...args: Parameters<SubtleCrypto["sign"]>) {
  const data = args[2];
  baseStrings.push(
    Buffer.from(ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data)),
  );
  return originalSign.apply(this, args);
} as SubtleCrypto["sign"];
for (let i = 0; i < period; i++) await signNext(i);
subtle.sign = originalSign;
if (baseStrings.length !== period) throw new Error(`recorded ${baseStrings.length} base strings, expected ${period}`);

const key = createPrivateKey(pem);
async function timeSigner(): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) await signNext(n++);
  return n / seconds;
}
async function timeWebCrypto(cryptoKey: CryptoKey): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end)
    await crypto.subtle.sign({ name: "RSASSA-PKCS1-v1_5" }, cryptoKey, baseStrings[n++ % period]! as Uint8Array<ArrayBuffer>);
  return n / seconds;
}
function timeBare(): number {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) sign("sha1", baseStrings[n++ % period]!, key).toString("base64");
  return n / seconds;
}

// Warm-up, then alternated rounds.
call = 0;
await timeSigner();
timeBare();
const cryptoKey = await importRsaPrivateKey(pem, "SHA-1");
await timeWebCrypto(cryptoKey);
const signerRates: number[] = [];
const bareRates: number[] = [];
const webCryptoRates: number[] = [];
for (let r = 0; r < rounds; r++) {
  call = 0; // the cycle restarts: the signer signs baseStrings[0], [1], … again
  signerRates.push(await timeSigner());
  bareRates.push(timeBare());
  webCryptoRates.push(await timeWebCrypto(cryptoKey));
}
const figures: SigningFigures = {
  keyBits: KEY_BITS,
  signer: median(signerRates),
  bare: median(bareRates),
  ratio: median(signerRates.map((s, i) => s / bareRates[i]!)),
  webCrypto: median(webCryptoRates),
};
console.log(JSON.stringify(figures));
