/**
 * A small, runtime-neutral stand-in for the part of vitest's API that the
 * shared suites use (test/support/kv-store-contract.ts,
 * test/support/workers-runtime-vectors.ts): describe / it / beforeEach /
 * afterEach and a subset of `expect`. It lets those very modules run where
 * vitest cannot — inside workerd (the bundle of
 * test/support/workers-runtime-checks.ts maps the `vitest` import here) and
 * under `deno test` (deno.json's scoped import map does the same for test/).
 *
 * Registration works as in vitest; running is explicit: `collectedTests()`
 * (or `drainCollected()`) gives each test with its hooks applied, outer
 * `beforeEach` first and inner `afterEach` first, and `runCollected()` runs
 * them all in order.
 */

type HookFn = () => unknown;

interface Suite {
  name: string;
  parent: Suite | undefined;
  beforeEach: HookFn[];
  afterEach: HookFn[];
}

interface Registered {
  name: string;
  suite: Suite;
  fn: HookFn;
}

export interface CollectedTest {
  /** Suite names and the test name, joined with " > " as vitest prints them. */
  name: string;
  run(): Promise<void>;
}

export interface RunReport {
  passed: string[];
  failed: Array<{ name: string; error: string }>;
}

const root: Suite = { name: "", parent: undefined, beforeEach: [], afterEach: [] };
let current: Suite = root;
const registered: Registered[] = [];

export function describe(name: string, body: () => void): void {
  const suite: Suite = { name, parent: current, beforeEach: [], afterEach: [] };
  const outer = current;
  current = suite;
  try {
    const result: unknown = body();
    if (result instanceof Promise) throw new Error(`describe("${name}") must not be async here`);
  } finally {
    current = outer;
  }
}

export function it(name: string, fn: HookFn): void {
  registered.push({ name, suite: current, fn });
}
export const test = it;

export function beforeEach(fn: HookFn): void {
  current.beforeEach.push(fn);
}

export function afterEach(fn: HookFn): void {
  current.afterEach.push(fn);
}

function chainOf(suite: Suite): Suite[] {
  const chain: Suite[] = [];
  for (let s: Suite | undefined = suite; s !== undefined && s !== root; s = s.parent) chain.unshift(s);
  return chain;
}

export function collectedTests(): CollectedTest[] {
  return registered.map(({ name, suite, fn }) => {
    const chain = chainOf(suite);
    return {
      name: [...chain.map((s) => s.name), name].join(" > "),
      async run() {
        let failure: unknown;
        let failed = false;
        try {
          for (const s of [root, ...chain]) for (const hook of s.beforeEach) await hook();
          await fn();
        } catch (error) {
          failed = true;
          failure = error;
        }
        // afterEach runs even when the test failed, innermost first.
        for (const s of [...chain].reverse().concat(root)) {
          for (const hook of s.afterEach) {
            try {
              await hook();
            } catch (error) {
              if (!failed) {
                failed = true;
                failure = error;
              }
            }
          }
        }
        if (failed) throw failure;
      },
    };
  });
}

/**
 * The tests registered since the last drain, which are forgotten here: a
 * module that registers suites and hands them to another runner (Deno.test)
 * takes exactly its own, even when several such modules share this one.
 */
export function drainCollected(): CollectedTest[] {
  const tests = collectedTests();
  registered.length = 0;
  return tests;
}

export async function runCollected(): Promise<RunReport> {
  const report: RunReport = { passed: [], failed: [] };
  for (const t of collectedTests()) {
    try {
      await t.run();
      report.passed.push(t.name);
    } catch (error) {
      report.failed.push({ name: t.name, error: describeError(error) });
    }
  }
  return report;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

// ---------------------------------------------------------------- expect

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

/** Short printable form of a value (1 MiB strings are cut). */
export function show(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "bigint") text = `${value}n`;
  else if (value instanceof Error) text = `${value.name}: ${value.message}`;
  else if (value instanceof Uint8Array) text = `Uint8Array(${value.length})`;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)` : text;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
    return a.every((byte, i) => byte === b[i]);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function matchesObject(actual: unknown, expected: unknown): boolean {
  if (typeof expected !== "object" || expected === null || Array.isArray(expected)) return deepEqual(actual, expected);
  if (typeof actual !== "object" || actual === null) return false;
  return Object.entries(expected).every(([k, v]) => matchesObject((actual as Record<string, unknown>)[k], v));
}

type ErrorClass = abstract new (...args: never[]) => Error;
type ThrowExpectation = ErrorClass | string | RegExp | undefined;

function errorMatches(error: unknown, expected: ThrowExpectation): boolean {
  if (expected === undefined) return true;
  if (typeof expected === "function") return error instanceof expected;
  const message = error instanceof Error ? error.message : String(error);
  return typeof expected === "string" ? message.includes(expected) : expected.test(message);
}

function showExpectation(expected: ThrowExpectation): string {
  if (typeof expected === "function") return expected.name;
  return expected === undefined ? "an error" : String(expected);
}

export interface Matchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toStrictEqual(expected: unknown): void;
  toMatchObject(expected: unknown): void;
  toBeNull(): void;
  toBeUndefined(): void;
  toBeDefined(): void;
  toBeTruthy(): void;
  toBeFalsy(): void;
  toHaveLength(length: number): void;
  toContain(item: unknown): void;
  toMatch(pattern: RegExp | string): void;
  toBeGreaterThan(n: number): void;
  toBeGreaterThanOrEqual(n: number): void;
  toBeLessThan(n: number): void;
  toBeLessThanOrEqual(n: number): void;
  toThrow(expected?: ThrowExpectation): void;
}

type AsyncMatchers = { [K in keyof Matchers]: (...args: Parameters<Matchers[K]>) => Promise<void> };

function matchers(actual: unknown, negate: boolean): Matchers {
  const check = (pass: boolean, message: string) => {
    if (pass === negate) throw new AssertionError(negate ? `expected not: ${message}` : `expected: ${message}`);
  };
  const length = (value: unknown) => (value as { length?: unknown } | null)?.length;
  return {
    toBe: (expected) => check(Object.is(actual, expected), `${show(actual)} to be ${show(expected)}`),
    toEqual: (expected) => check(deepEqual(actual, expected), `${show(actual)} to equal ${show(expected)}`),
    toStrictEqual: (expected) => check(deepEqual(actual, expected), `${show(actual)} to equal ${show(expected)}`),
    toMatchObject: (expected) => check(matchesObject(actual, expected), `${show(actual)} to match ${show(expected)}`),
    toBeNull: () => check(actual === null, `${show(actual)} to be null`),
    toBeUndefined: () => check(actual === undefined, `${show(actual)} to be undefined`),
    toBeDefined: () => check(actual !== undefined, `${show(actual)} to be defined`),
    toBeTruthy: () => check(Boolean(actual), `${show(actual)} to be truthy`),
    toBeFalsy: () => check(!actual, `${show(actual)} to be falsy`),
    toHaveLength: (n) => check(length(actual) === n, `${show(actual)} (length ${String(length(actual))}) to have length ${n}`),
    toContain: (item) =>
      check(
        typeof actual === "string" ? actual.includes(String(item)) : Array.isArray(actual) && actual.includes(item),
        `${show(actual)} to contain ${show(item)}`,
      ),
    toMatch: (pattern) =>
      check(
        typeof actual === "string" && (typeof pattern === "string" ? actual.includes(pattern) : pattern.test(actual)),
        `${show(actual)} to match ${String(pattern)}`,
      ),
    toBeGreaterThan: (n) => check((actual as number) > n, `${show(actual)} > ${n}`),
    toBeGreaterThanOrEqual: (n) => check((actual as number) >= n, `${show(actual)} >= ${n}`),
    toBeLessThan: (n) => check((actual as number) < n, `${show(actual)} < ${n}`),
    toBeLessThanOrEqual: (n) => check((actual as number) <= n, `${show(actual)} <= ${n}`),
    toThrow: (expected) => {
      if (typeof actual !== "function") throw new AssertionError("toThrow needs a function");
      let thrown = false;
      let error: unknown;
      try {
        (actual as () => unknown)();
      } catch (e) {
        thrown = true;
        error = e;
      }
      check(
        thrown && errorMatches(error, expected),
        `function to throw ${showExpectation(expected)}${thrown ? `, got ${show(error)}` : ""}`,
      );
    },
  };
}

function asyncMatchers(promise: unknown, mode: "rejects" | "resolves", negate: boolean): AsyncMatchers {
  const settle = async (): Promise<unknown> => {
    try {
      const value = await promise;
      if (mode === "rejects") throw new AssertionError(`expected the promise to reject, it resolved to ${show(value)}`);
      return value;
    } catch (error) {
      if (error instanceof AssertionError || mode === "resolves") throw error;
      return error;
    }
  };
  const out = {} as Record<string, (...args: unknown[]) => Promise<void>>;
  for (const name of Object.keys(matchers(undefined, false)) as Array<keyof Matchers>) {
    out[name] = async (...args: unknown[]) => {
      const outcome = await settle();
      if (name === "toThrow" && mode === "rejects") {
        const expected = args[0] as ThrowExpectation;
        const pass = errorMatches(outcome, expected);
        if (pass === negate) {
          throw new AssertionError(
            `expected the rejection ${negate ? "not " : ""}to be ${showExpectation(expected)}, got ${show(outcome)}`,
          );
        }
        return;
      }
      (matchers(outcome, negate)[name] as (...a: unknown[]) => void)(...args);
    };
  }
  return out as unknown as AsyncMatchers;
}

export interface Expectation extends Matchers {
  not: Matchers;
  rejects: AsyncMatchers & { not: AsyncMatchers };
  resolves: AsyncMatchers & { not: AsyncMatchers };
}

export function expect(actual: unknown): Expectation {
  return Object.assign(matchers(actual, false), {
    not: matchers(actual, true),
    rejects: Object.assign(asyncMatchers(actual, "rejects", false), { not: asyncMatchers(actual, "rejects", true) }),
    resolves: Object.assign(asyncMatchers(actual, "resolves", false), { not: asyncMatchers(actual, "resolves", true) }),
  });
}
