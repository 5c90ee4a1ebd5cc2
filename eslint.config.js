// ESLint (flat config), run by `npm run lint` and so by `npm test` (issue #15). The folder-level
// direction of imports is scripts/folder-graph.ts's (lint runs it too); these rules hold the lines
// it cannot see: runtime APIs in the runtime-neutral code, adapters reaching into each other,
// file-level import cycles.
import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

const NODE_ONLY_PACKAGES = ["better-sqlite3", "ioredis", "undici", "@hono/node-server"];

/** `no-restricted-imports` patterns that refuse other runtime adapters and runtime-only modules. */
const refuse = (what, why) => ({ regex: what, message: why });
const NODE_BUILTINS = refuse(
  "^node:",
  "src/ outside src/adapters/node and src/adapters/deno uses Web-standard APIs only (README, Development)",
);
const CLOUDFLARE = refuse("^cloudflare:", "cloudflare:* modules belong to src/adapters/workers");
const NODE_PACKAGES = refuse(`^(${NODE_ONLY_PACKAGES.join("|")})(/|$)`, "Node-only packages belong to src/adapters/node");
const otherAdapter = (...names) =>
  refuse(`(^|/)adapters/(${names.join("|")})/|^\\.\\./(\\.\\./)?(${names.join("|")})/`, "a runtime adapter does not import another one");

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", ".wrangler/", "data/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `_name`: left out on purpose (a destructured field dropped from a copy).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-restricted-syntax": ["error", { selector: "TSEnumDeclaration", message: "use a union of string literals" }],
      // A `let` read by a closure before its one assignment (a handle set once started) stays a `let`.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Plain JavaScript files (the bin, a bench Worker, a test hook): TypeScript does not check them, nor their globals.
    files: ["**/*.js", "**/*.mjs"],
    rules: { "no-undef": "off" },
  },
  {
    files: ["src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: { "import-x/resolver-next": [createNodeResolver({ extensions: [".ts"] })] },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-self-import": "error",
      "import-x/no-useless-path-segments": "error",
      "import-x/no-duplicates": ["error", { "prefer-inline": true }],
    },
  },
  {
    // The runtime-neutral code (tsconfig.core.json compiles it with no runtime types).
    files: ["src/**/*.ts"],
    ignores: ["src/adapters/**", "src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [NODE_BUILTINS, CLOUDFLARE, NODE_PACKAGES, refuse("(^|/)adapters/", "only the adapters import the adapters")] },
      ],
      "no-restricted-globals": [
        "error",
        ...["process", "Buffer", "Deno", "require", "__dirname", "__filename", "global"].map((name) => ({
          name,
          message: "runtime-neutral code: the adapters in src/adapters/ pass what it needs through the ports",
        })),
      ],
    },
  },
  {
    files: ["src/adapters/node/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [CLOUDFLARE, otherAdapter("workers", "deno")] }] },
  },
  {
    files: ["src/adapters/workers/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [NODE_BUILTINS, NODE_PACKAGES, otherAdapter("node", "deno")] }] },
  },
  {
    files: ["src/adapters/deno/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [CLOUDFLARE, NODE_PACKAGES, otherAdapter("node", "workers")] }] },
  },
);
