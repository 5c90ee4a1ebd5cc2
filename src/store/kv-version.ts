import { bytesToHex } from "../lib/bytes.ts";

/**
 * Versions of KvStore entries (memory, SQLite, Redis, Workers; Deno KV has
 * its own versionstamps). A version must never repeat for a key, even after
 * a delete, or a compare-and-set based on an old read could succeed (ABA):
 * 64 random bits chosen once per process, then a counter.
 */
let processPart: string | undefined;
let counter = 0;

export function newVersion(): string {
  // Chosen at the first write, not at load: Workers refuse random values in a module's global scope.
  processPart ??= bytesToHex(crypto.getRandomValues(new Uint8Array(8)));
  counter += 1;
  return `${processPart}.${counter.toString(36)}`;
}

/**
 * The version reported for an entry written before entries had versions
 * (an upgraded store). Any write replaces it with a real one, so it cannot
 * come back once changed.
 */
export const UNVERSIONED = "0";
