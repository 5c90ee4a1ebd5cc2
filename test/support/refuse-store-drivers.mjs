// Loaded with `node --import` (NODE_OPTIONS): makes the store drivers unresolvable, so a process that
// imports them fails, and one that never needs them shows it never loads them (issue #15).
import { register } from "node:module";

const REFUSED = ["better-sqlite3", "ioredis"];
const hooks = `export async function resolve(specifier, context, next) {
  if (${JSON.stringify(REFUSED)}.includes(specifier)) throw new Error("refused by the test: " + specifier);
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
