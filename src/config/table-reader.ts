import type { ConfigIssue } from "./config-error.ts";
import { parseDuration } from "./parse-duration.ts";

/** Where `env:` and `file:` references are looked up (injected per runtime). */
export interface ConfigSources {
  env(name: string): string | undefined;
  /** Reads a file named by `file:PATH`, relative to the configuration file. Absent on Workers. */
  readFile?(path: string): string;
}

export type TomlTable = Record<string, unknown>;

export function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Reads typed values out of one TOML table, recording every problem with its
 * full key path instead of stopping at the first, so `check-config` can list
 * them all. Reference values (`env:NAME`, `file:PATH`) are resolved here.
 *
 * A reader that ignores case (the tables CDS reads, whose loader matches keys
 * without regard to case, docs/cds-behaviour.md#its-configuration-loader)
 * finds `consumerkey` when asked for `consumerKey`, names each key in its
 * paths as the file writes it, and reports two spellings of one key, naming
 * both; its child tables ignore case too.
 */
export class TableReader {
  readonly path: string;
  readonly table: TomlTable;
  readonly ignoreCase: boolean;
  readonly #issues: ConfigIssue[];
  readonly #sources: ConfigSources;
  /** Lower-cased keys whose several spellings were already reported. */
  readonly #reported = new Set<string>();

  constructor(path: string, table: TomlTable, issues: ConfigIssue[], sources: ConfigSources, options: { ignoreCase?: boolean } = {}) {
    this.path = path;
    this.table = table;
    this.ignoreCase = options.ignoreCase ?? false;
    this.#issues = issues;
    this.#sources = sources;
  }

  /** The same table, its keys (and its children's) read without regard to case. */
  ignoringCase(): TableReader {
    return new TableReader(this.path, this.table, this.#issues, this.#sources, { ignoreCase: true });
  }

  /** The key as the file writes it (the first spelling, when several), else `key` itself. */
  actualKey(key: string): string {
    if (!this.ignoreCase || Object.hasOwn(this.table, key)) {
      if (this.ignoreCase) this.#reportSpellings(key);
      return key;
    }
    this.#reportSpellings(key);
    const lower = key.toLowerCase();
    return Object.keys(this.table).find((k) => k.toLowerCase() === lower) ?? key;
  }

  /** The table's value for `key`, found as `actualKey` finds it. */
  value(key: string): unknown {
    return this.table[this.actualKey(key)];
  }

  keyPath(key: string): string {
    const actual = this.actualKey(key);
    return this.path ? `${this.path}.${actual}` : actual;
  }

  issue(key: string, message: string): void {
    this.#issues.push({ path: key === "" ? this.path : this.keyPath(key), message });
  }

  child(key: string): TableReader | undefined {
    const actual = this.actualKey(key);
    const value = this.table[actual];
    if (value === undefined) return undefined;
    if (!isTable(value)) {
      this.issue(actual, "must be a table");
      return undefined;
    }
    return new TableReader(this.keyPath(actual), value, this.#issues, this.#sources, { ignoreCase: this.ignoreCase });
  }

  /**
   * Reports keys that are neither known nor explicitly ignored. Where case
   * matters, a key that differs from a known one in case only is named in
   * the message.
   */
  rejectUnknownKeys(known: readonly string[], ignored: readonly string[] = []): void {
    const lower = (list: readonly string[]) => new Map(list.map((k) => [k.toLowerCase(), k]));
    const knownLower = lower(known);
    const ignoredLower = lower(ignored);
    for (const key of Object.keys(this.table)) {
      if (known.includes(key) || ignored.includes(key)) continue;
      const sameLetters = knownLower.get(key.toLowerCase());
      if (this.ignoreCase && (sameLetters !== undefined || ignoredLower.has(key.toLowerCase()))) continue;
      this.#issues.push({
        path: this.path ? `${this.path}.${key}` : key,
        message: sameLetters ? `unknown key (did you mean ${sameLetters}?)` : "unknown key",
      });
    }
  }

  /** Two spellings of one key in a table read without regard to case: an error naming both. */
  #reportSpellings(key: string): void {
    const lower = key.toLowerCase();
    if (this.#reported.has(lower)) return;
    const spellings = Object.keys(this.table).filter((k) => k.toLowerCase() === lower);
    if (spellings.length < 2) return;
    this.#reported.add(lower);
    const at = (k: string) => (this.path ? `${this.path}.${k}` : k);
    for (const other of spellings.slice(1)) {
      this.#issues.push({
        path: at(other),
        message: `the same key as ${at(spellings[0]!)} (CDS reads keys without regard to case): keep one`,
      });
    }
  }

  /** A string, with `env:` / `file:` references resolved; "" counts as absent. */
  string(key: string): string | undefined {
    key = this.actualKey(key);
    const value = this.table[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string") {
      this.issue(key, "must be a string");
      return undefined;
    }
    const resolved = this.#resolve(key, value);
    return resolved === "" ? undefined : resolved;
  }

  /** A string or an array of strings (each resolved), as a list without empty entries. */
  stringList(key: string): string[] {
    key = this.actualKey(key);
    const value = this.table[key];
    if (value === undefined) return [];
    const items = Array.isArray(value) ? value : [value];
    const out: string[] = [];
    items.forEach((item, i) => {
      const itemPath = Array.isArray(value) ? `${key}[${i}]` : key;
      if (typeof item !== "string") {
        this.issue(itemPath, "must be a string");
        return;
      }
      const resolved = this.#resolve(itemPath, item);
      if (resolved) out.push(resolved);
    });
    return out;
  }

  boolean(key: string, fallback: boolean): boolean {
    key = this.actualKey(key);
    const value = this.table[key];
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
      this.issue(key, "must be true or false");
      return fallback;
    }
    return value;
  }

  integer(key: string, fallback: number, min = 0): number {
    key = this.actualKey(key);
    const value = this.table[key];
    if (value === undefined) return fallback;
    const n = typeof value === "bigint" ? Number(value) : value;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < min) {
      this.issue(key, `must be a whole number ≥ ${min}`);
      return fallback;
    }
    return n;
  }

  /** A duration such as `"10s"` (suffixes ms, s, m, h, d); a bare integer counts as milliseconds. */
  duration(key: string, fallback: string): number {
    key = this.actualKey(key);
    const value = this.table[key];
    if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return value;
    const text = value === undefined ? fallback : value;
    const ms = typeof text === "string" ? parseDuration(text) : undefined;
    if (ms === undefined || ms <= 0) {
      this.issue(key, 'must be a duration such as "500ms", "10s", "1m", "24h" or "7d"');
      return parseDuration(fallback)!;
    }
    return ms;
  }

  /** An absolute http(s) URL without trailing slash. */
  url(key: string): string | undefined {
    key = this.actualKey(key);
    const text = this.string(key);
    if (text === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      this.issue(key, "must be an absolute URL (http:// or https://)");
      return undefined;
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      this.issue(key, "must be an http:// or https:// URL");
      return undefined;
    }
    return text.replace(/\/+$/, "");
  }

  #resolve(keyPath: string, value: string): string | undefined {
    if (value.startsWith("env:")) {
      const name = value.slice(4);
      const resolved = this.#sources.env(name);
      if (resolved === undefined) {
        this.issue(keyPath, `environment variable ${name} is not set`);
        return undefined;
      }
      return resolved;
    }
    if (value.startsWith("file:")) {
      const file = value.slice(5);
      if (!this.#sources.readFile) {
        this.issue(keyPath, "file: references are not available on this runtime; use env:");
        return undefined;
      }
      try {
        return this.#sources.readFile(file).trim();
      } catch {
        this.issue(keyPath, `cannot read file ${file}`);
        return undefined;
      }
    }
    return value;
  }
}
