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
 */
export class TableReader {
  readonly path: string;
  readonly table: TomlTable;
  readonly #issues: ConfigIssue[];
  readonly #sources: ConfigSources;

  constructor(path: string, table: TomlTable, issues: ConfigIssue[], sources: ConfigSources) {
    this.path = path;
    this.table = table;
    this.#issues = issues;
    this.#sources = sources;
  }

  keyPath(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  issue(key: string, message: string): void {
    this.#issues.push({ path: key === "" ? this.path : this.keyPath(key), message });
  }

  child(key: string): TableReader | undefined {
    const value = this.table[key];
    if (value === undefined) return undefined;
    if (!isTable(value)) {
      this.issue(key, "must be a table");
      return undefined;
    }
    return new TableReader(this.keyPath(key), value, this.#issues, this.#sources);
  }

  /** Reports keys that are neither known nor explicitly ignored. */
  rejectUnknownKeys(known: readonly string[], ignored: readonly string[] = []): void {
    for (const key of Object.keys(this.table)) {
      if (!known.includes(key) && !ignored.includes(key)) this.issue(key, "unknown key");
    }
  }

  /** A string, with `env:` / `file:` references resolved; "" counts as absent. */
  string(key: string): string | undefined {
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
    const value = this.table[key];
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
      this.issue(key, "must be true or false");
      return fallback;
    }
    return value;
  }

  integer(key: string, fallback: number, min = 0): number {
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
