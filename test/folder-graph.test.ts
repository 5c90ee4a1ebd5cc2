import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import {
  ARCHITECTURE_DOC,
  architectureSection,
  findCycles,
  folderGraph,
  folderOf,
  folderProblems,
  importSpecifiers,
  readSourceTree,
  replaceSection,
  REPO_ROOT,
  transitiveReduction,
} from "../scripts/folder-graph.ts";
import { FOLDER_RULES } from "../scripts/folder-rules.ts";

describe("the folders of src/ import one way (issue #15)", () => {
  const graph = folderGraph(readSourceTree(`${REPO_ROOT}/src`));

  it("no folder imports, directly or through others, a folder that imports it; every import is one scripts/folder-rules.ts allows", () => {
    expect(folderProblems(graph, FOLDER_RULES)).toEqual([]);
  });

  it("docs/ARCHITECTURE.md draws the graph as it is", () => {
    const doc = readFileSync(ARCHITECTURE_DOC, "utf8");
    expect(replaceSection(doc, architectureSection(graph, FOLDER_RULES))).toBe(doc);
  });

  it("every file docs/ARCHITECTURE.md walks through exists", () => {
    const doc = readFileSync(ARCHITECTURE_DOC, "utf8");
    const named = [...doc.matchAll(/`(?:src\/)?((?:[a-z0-9-]+\/)+[a-z0-9-]+\.ts)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(40);
    expect(named.filter((file) => !existsSync(`${REPO_ROOT}/src/${file}`) && !existsSync(`${REPO_ROOT}/${file}`))).toEqual([]);
  });
});

describe("the folder graph check (issue #15)", () => {
  it("reads every kind of import: static, type-only, re-exports, import() and import types", () => {
    const source = [
      'import { a } from "./a.ts";',
      'import type { B } from "../b/b.ts";',
      'import "./side-effect.ts";',
      'export { c } from "../c/c.ts";',
      'export * from "../d/d.ts";',
      'const e = await import("../e/e.ts");',
      'type F = import("../f/f.ts").F;',
      "// import { g } from '../g/g.ts';",
    ].join("\n");
    expect(importSpecifiers(source)).toEqual([
      "./a.ts",
      "../b/b.ts",
      "./side-effect.ts",
      "../c/c.ts",
      "../d/d.ts",
      "../e/e.ts",
      "../f/f.ts",
    ]);
  });

  it("counts each runtime adapter as a folder of its own", () => {
    expect(folderOf("relay/relay-webhook.ts")).toBe("relay");
    expect(folderOf("adapters/node/cli/main.ts")).toBe("adapters/node");
    expect(folderOf("adapters/workers/worker.ts")).toBe("adapters/workers");
  });

  it("finds a cycle made of type-only imports between files that do not import each other", () => {
    const graph = folderGraph({
      "queue/queue.ts": 'import type { Delivery } from "../relay/delivery.ts";',
      "relay/delivery.ts": "export interface Delivery { id: string }",
      "relay/relay.ts": 'import { enqueue } from "../queue/enqueue.ts";',
      "queue/enqueue.ts": 'import type { Store } from "../store/store.ts";',
      "store/store.ts": "export interface Store {}",
    });
    const cycles = findCycles(graph);
    expect(cycles.map((c) => c.folders)).toEqual([["queue", "relay"]]);
    expect(cycles[0]!.example).toEqual(["queue", "relay", "queue"]);
    expect(cycles[0]!.edges.flatMap((e) => e.via)).toEqual(["queue/queue.ts → relay/delivery.ts", "relay/relay.ts → queue/enqueue.ts"]);
    expect(
      folderProblems(graph, {
        queue: { holds: "", imports: ["relay", "store"] },
        relay: { holds: "", imports: ["queue"] },
        store: { holds: "", imports: [] },
      })[0],
    ).toMatch(/^folder cycle among queue, relay/);
  });

  it("finds a cycle through three folders, and none once one import is gone", () => {
    const files = {
      "a/a.ts": 'import "../b/b.ts";',
      "b/b.ts": 'import "../c/c.ts";',
      "c/c.ts": 'import "../a/a.ts";',
    };
    expect(findCycles(folderGraph(files)).map((c) => c.example)).toEqual([["a", "b", "c", "a"]]);
    expect(findCycles(folderGraph({ ...files, "c/c.ts": "" }))).toEqual([]);
  });

  it("refuses an import the rules do not allow, and a folder they do not name", () => {
    const graph = folderGraph({ "core/ports.ts": 'import "../relay/relay.ts";', "relay/relay.ts": "", "extra/x.ts": "" });
    expect(folderProblems(graph, { core: { holds: "", imports: [] }, relay: { holds: "", imports: ["core"] } })).toEqual([
      "src/extra/ is not in scripts/folder-rules.ts: say what it may import",
      "src/core/ may not import src/relay/ (scripts/folder-rules.ts): core/ports.ts → relay/relay.ts",
    ]);
  });

  it("draws only the imports no longer path implies", () => {
    const graph = folderGraph({
      "app/app.ts": 'import "../relay/r.ts"; import "../core/c.ts";',
      "relay/r.ts": 'import "../core/c.ts";',
      "core/c.ts": "",
    });
    expect(transitiveReduction(graph).map((e) => `${e.from}→${e.to}`)).toEqual(["app→relay", "relay→core"]);
  });
});
