import { parseTimestamp } from "./parse-timestamp.ts";

export type RefChangeType = "ADD" | "UPDATE" | "DELETE";

/** One change of a branch in a push; tags and other refs are left out. */
export interface BranchChange {
  /** The branch name: `refId` without `refs/heads/`. */
  branch: string;
  type: RefChangeType;
}

export interface RefChanges {
  /** The body's `eventKey`, when it has one. */
  eventKey?: string;
  /** The body's `date` (ISO-8601 or epoch ms), when it parses. */
  date?: number;
  /** Branch changes in the order Bitbucket listed them. */
  changes: BranchChange[];
}

const TYPES = new Set<string>(["ADD", "UPDATE", "DELETE"]);
const decoder = new TextDecoder();

/**
 * The branch changes of a Bitbucket Server `repo:refs_changed` body
 * (`changes[]{ref{id,displayId,type}, refId, fromHash, toHash, type}`).
 * A change counts as a branch when its ref id is under `refs/heads/`, or
 * when it has no ref id and `ref.type` is `BRANCH`; `TAG` refs and
 * `refs/tags/…` are ignored, as are unknown change types. Undefined when the
 * body is not a JSON object.
 */
export function parseRefChanges(body: Uint8Array | string): RefChanges | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === "string" ? body : decoder.decode(body));
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const changes: BranchChange[] = [];
  for (const change of Array.isArray(parsed.changes) ? parsed.changes : []) {
    if (!isObject(change)) continue;
    const type = typeof change.type === "string" ? change.type.toUpperCase() : "";
    if (!TYPES.has(type)) continue;
    const branch = branchName(change);
    if (branch !== undefined) changes.push({ branch, type: type as RefChangeType });
  }
  return {
    eventKey: typeof parsed.eventKey === "string" ? parsed.eventKey : undefined,
    date: parseTimestamp(parsed.date),
    changes,
  };
}

function branchName(change: Record<string, unknown>): string | undefined {
  const ref = isObject(change.ref) ? change.ref : {};
  const refType = typeof ref.type === "string" ? ref.type.toUpperCase() : undefined;
  if (refType !== undefined && refType !== "BRANCH") return undefined;
  const refId = typeof change.refId === "string" ? change.refId : typeof ref.id === "string" ? ref.id : undefined;
  if (refId !== undefined) {
    if (!refId.startsWith("refs/heads/")) return undefined;
    const name = refId.slice("refs/heads/".length);
    return name === "" ? undefined : name;
  }
  if (refType === "BRANCH" && typeof ref.displayId === "string" && ref.displayId !== "") return ref.displayId;
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
