/**
 * The import graph of `src/` at the level of folders (issue #15): which
 * folder imports which, read from every import of every source file (type-only
 * imports, re-exports and `import()` included; tests left out). It fails on
 * any cycle between folders, and on any import the allowed direction
 * (scripts/folder-rules.ts) does not list; it also keeps the diagram in
 * docs/ARCHITECTURE.md equal to the graph.
 *
 *   node --import tsx scripts/folder-graph.ts            # prints the graph
 *   node --import tsx scripts/folder-graph.ts --check    # exit 1 on a cycle, a forbidden import or a stale diagram
 *   node --import tsx scripts/folder-graph.ts --write    # rewrites the diagram in docs/ARCHITECTURE.md
 *
 * eslint's import cycle rules work file by file and skip type imports, so a
 * folder cycle made of type imports, or of files that do not import each
 * other, passes them; this check is the one that holds the folders apart.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, posix, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { FOLDER_RULES, type FolderRules } from "./folder-rules.ts";

export const REPO_ROOT = resolve(import.meta.dirname, "..");
export const ARCHITECTURE_DOC = join(REPO_ROOT, "docs/ARCHITECTURE.md");
export const BEGIN_MARKER = "<!-- scripts/folder-graph.ts --write: generated section begins -->";
export const END_MARKER = "<!-- scripts/folder-graph.ts --write: generated section ends -->";

/** The specifiers of every import of one module: static, type-only, re-exports, `import()` and `import("…").T`. */
export function importSpecifiers(source: string, fileName = "module.ts"): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [first] = node.arguments;
      if (first && ts.isStringLiteralLike(first)) found.push(first.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push(node.moduleReference.expression.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Source files of a tree (paths relative to it, with `/`): `.ts` files, tests left out. */
export type SourceTree = Record<string, string>;

export function readSourceTree(root: string): SourceTree {
  const tree: SourceTree = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
        tree[relative(root, path).split(sep).join("/")] = readFileSync(path, "utf8");
    }
  };
  walk(root);
  return tree;
}

/**
 * The folder a file belongs to: its first directory, or the runtime's
 * directory under `adapters/` (each runtime adapter is a folder of its own:
 * they must not import each other).
 */
export function folderOf(file: string): string {
  const parts = file.split("/");
  if (parts.length === 1) return ".";
  if (parts[0] === "adapters" && parts.length > 2) return `adapters/${parts[1]}`;
  return parts[0]!;
}

/** One import from a folder into another, with the file that makes it. */
export interface FolderEdge {
  from: string;
  to: string;
  /** `file → imported file`, one per import making this edge. */
  via: string[];
}

/** Folders, and the imports between different folders (relative specifiers only: packages are not folders of src/). */
export interface FolderGraph {
  folders: string[];
  edges: FolderEdge[];
}

export function folderGraph(tree: SourceTree): FolderGraph {
  const folders = new Set<string>();
  const edges = new Map<string, FolderEdge>();
  for (const [file, source] of Object.entries(tree)) {
    const from = folderOf(file);
    folders.add(from);
    for (const specifier of importSpecifiers(source, file)) {
      if (!specifier.startsWith(".")) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      if (target.startsWith("../")) continue;
      const to = folderOf(target);
      if (to === from) continue;
      const key = `${from}\0${to}`;
      let edge = edges.get(key);
      if (!edge) edges.set(key, (edge = { from, to, via: [] }));
      edge.via.push(`${file} → ${target}`);
    }
  }
  for (const edge of edges.values()) folders.add(edge.to);
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    folders: [...folders].sort(byName),
    edges: [...edges.values()].sort((a, b) => byName(a.from, b.from) || byName(a.to, b.to)),
  };
}

/** A set of folders that import each other, directly or through others. */
export interface FolderCycle {
  /** Every folder of the strongly connected component, sorted. */
  folders: string[];
  /** One shortest cycle through its first folder, e.g. `["queue", "relay", "queue"]`. */
  example: string[];
  /** The imports between its folders. */
  edges: FolderEdge[];
}

/**
 * The cycles of the graph: each strongly connected component of more than
 * one folder (Tarjan's algorithm), with an example cycle and the imports
 * that make it.
 */
export function findCycles(graph: FolderGraph): FolderCycle[] {
  const next = new Map<string, string[]>(graph.folders.map((f) => [f, []]));
  for (const edge of graph.edges) next.get(edge.from)!.push(edge.to);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const folder of graph.folders) if (!index.has(folder)) connect(folder);
  return components
    .sort((a, b) => (a[0]! < b[0]! ? -1 : 1))
    .map((folders) => {
      const inside = new Set(folders);
      return {
        folders,
        example: shortestCycle(folders[0]!, (v) => next.get(v)!.filter((w) => inside.has(w))),
        edges: graph.edges.filter((e) => inside.has(e.from) && inside.has(e.to)),
      };
    });
}

/** The shortest walk from `start` back to it (breadth first), `start` at both ends. */
function shortestCycle(start: string, next: (folder: string) => string[]): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next(v)) {
      if (w === start) {
        const walk = [start];
        for (let u = v; u !== start; u = previous.get(u)!) walk.unshift(u);
        return [start, ...walk];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

/** What breaks the rules: a folder they do not name, an import they do not allow. */
export function ruleViolations(graph: FolderGraph, rules: FolderRules): string[] {
  const problems: string[] = [];
  for (const folder of graph.folders) {
    if (!(folder in rules)) problems.push(`src/${folder}/ is not in scripts/folder-rules.ts: say what it may import`);
  }
  for (const edge of graph.edges) {
    const allowed = rules[edge.from]?.imports ?? [];
    if (!allowed.includes(edge.to)) {
      problems.push(`src/${edge.from}/ may not import src/${edge.to}/ (scripts/folder-rules.ts): ${edge.via.join(", ")}`);
    }
  }
  return problems;
}

/** The edges left once every edge implied by a longer path is dropped (the graph must have no cycle). */
export function transitiveReduction(graph: FolderGraph): FolderEdge[] {
  const next = new Map<string, string[]>(graph.folders.map((f) => [f, []]));
  for (const edge of graph.edges) next.get(edge.from)!.push(edge.to);
  const reachableWithoutEdge = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = next.get(from)!.filter((w) => w !== to);
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (v === to) return true;
      if (seen.has(v)) continue;
      seen.add(v);
      stack.push(...next.get(v)!);
    }
    return false;
  };
  return graph.edges.filter((edge) => !reachableWithoutEdge(edge.from, edge.to));
}

/**
 * The generated part of docs/ARCHITECTURE.md: a Mermaid diagram of the
 * imports between folders (an arrow where no longer path already implies
 * it), and the table of what each folder may import.
 */
export function architectureSection(graph: FolderGraph, rules: FolderRules): string {
  const id = (folder: string) => folder.replace(/[^a-z0-9]/gi, "_");
  const lines = ["```mermaid", "flowchart TD"];
  for (const folder of graph.folders) lines.push(`  ${id(folder)}["${folder}"]`);
  for (const edge of transitiveReduction(graph)) lines.push(`  ${id(edge.from)} --> ${id(edge.to)}`);
  lines.push("```", "", "| folder | holds | may import |", "|---|---|---|");
  for (const folder of Object.keys(rules)) {
    const rule = rules[folder]!;
    lines.push(
      `| \`${folder}/\` | ${rule.holds} | ${rule.imports.length === 0 ? "nothing of `src/`" : rule.imports.map((f) => `\`${f}\``).join(", ")} |`,
    );
  }
  return lines.join("\n");
}

/** `doc` with the text between the markers replaced by `section`. */
export function replaceSection(doc: string, section: string): string {
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error("docs/ARCHITECTURE.md: the generated section's markers are missing or broken");
  return `${doc.slice(0, begin)}${BEGIN_MARKER}\n${section}\n${doc.slice(end)}`;
}

/** Everything wrong with `tree` under `rules`: cycles first, then forbidden imports. */
export function folderProblems(graph: FolderGraph, rules: FolderRules): string[] {
  const cycles = findCycles(graph).map(
    (cycle) =>
      `folder cycle among ${cycle.folders.join(", ")}, e.g. ${cycle.example.join(" → ")}; its imports:\n${cycle.edges.map((e) => `  ${e.from} → ${e.to}: ${e.via.join(", ")}`).join("\n")}`,
  );
  return [...cycles, ...ruleViolations(graph, rules)];
}

function describeGraph(graph: FolderGraph): string {
  return graph.edges.map((e) => `${e.from} → ${e.to} (${e.via.length})`).join("\n");
}

function main(argv: string[]): number {
  const graph = folderGraph(readSourceTree(join(REPO_ROOT, "src")));
  if (argv.includes("--write")) {
    const problems = folderProblems(graph, FOLDER_RULES);
    if (problems.length > 0) {
      process.stderr.write(`${problems.join("\n")}\n`);
      return 1;
    }
    writeFileSync(ARCHITECTURE_DOC, replaceSection(readFileSync(ARCHITECTURE_DOC, "utf8"), architectureSection(graph, FOLDER_RULES)));
    return 0;
  }
  if (argv.includes("--check")) {
    const problems = folderProblems(graph, FOLDER_RULES);
    const doc = readFileSync(ARCHITECTURE_DOC, "utf8");
    if (problems.length === 0 && replaceSection(doc, architectureSection(graph, FOLDER_RULES)) !== doc) {
      problems.push(
        "docs/ARCHITECTURE.md: the folder diagram is not the graph of src/; run `node --import tsx scripts/folder-graph.ts --write`",
      );
    }
    if (problems.length > 0) process.stderr.write(`${problems.join("\n")}\n`);
    return problems.length > 0 ? 1 : 0;
  }
  process.stdout.write(`${describeGraph(graph)}\n`);
  const cycles = findCycles(graph);
  for (const cycle of cycles) process.stdout.write(`\ncycle among ${cycle.folders.join(", ")}, e.g. ${cycle.example.join(" → ")}\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
