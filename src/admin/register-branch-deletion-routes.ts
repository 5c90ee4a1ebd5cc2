import type { Hono } from "hono";
import { json, jsonError } from "../core/json-error.ts";
import type { BranchDeletion, BranchDeletionStore } from "../branches/branch-deletion-store.ts";

/** What the admin API shows of a pending deletion: where, which branch, when, and how its attempts went. */
export function summarizeBranchDeletion(record: BranchDeletion): Omit<BranchDeletion, "nextAttemptAt"> & { nextAttemptAt?: number } {
  const { id, instance, project, workflow, branch, deletedAt, dueAt, nextAttemptAt, attempts, lastError } = record;
  return {
    id,
    instance,
    project,
    workflow,
    branch,
    deletedAt,
    dueAt,
    attempts,
    ...(nextAttemptAt !== dueAt ? { nextAttemptAt } : {}),
    ...(lastError !== undefined ? { lastError } : {}),
  };
}

/**
 * The pending branch deletions (issue #5), behind the bearer check of `/-/*`:
 * - `GET /-/branch-deletions[?limit=N][&after=ID]` — `{"branchDeletions":[…]}` in id order
 * - `GET /-/branch-deletions/<id>` — one, or 404
 * - `DELETE /-/branch-deletions/<id>` — cancels one: 204, or 404 when unknown
 */
export function registerBranchDeletionRoutes(app: Hono, deps: { deletions: BranchDeletionStore }): void {
  app.get("/-/branch-deletions", async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 100) || 100, 1), 1000);
    const records = await deps.deletions.list({ limit, after: c.req.query("after") });
    return json(200, { branchDeletions: records.map(summarizeBranchDeletion) });
  });

  app.get("/-/branch-deletions/:id", async (c) => {
    const record = await deps.deletions.get(c.req.param("id"));
    return record ? json(200, summarizeBranchDeletion(record)) : jsonError("not_found", "no such pending branch deletion");
  });

  app.delete("/-/branch-deletions/:id", async (c) => {
    return (await deps.deletions.cancel(c.req.param("id")))
      ? new Response(null, { status: 204 })
      : jsonError("not_found", "no such pending branch deletion");
  });
}
