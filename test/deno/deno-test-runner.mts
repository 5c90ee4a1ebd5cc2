/**
 * Hands the suites registered through the `vitest` API (mapped by deno.json
 * to test/support/workers-mini-vitest.ts for everything under test/) to
 * `Deno.test`, one Deno test per `it`.
 *
 * Deno-side test files end in .mts: the Node typecheck (tsconfig.check.json,
 * `test/**\/*.ts`) and vitest (`test/**\/*.test.ts`) leave them alone; Deno
 * type-checks them itself when `deno test` runs.
 */
import { drainCollected } from "../support/workers-mini-vitest.ts";

export function registerWithDenoTest(): void {
  for (const test of drainCollected()) Deno.test(test.name, () => test.run());
}
