import type { GatewayConfig } from "../core/config-types.ts";
import { isDotSegment } from "../lib/path-segment.ts";
import type { Clock, Logger } from "../core/ports.ts";
import type { Delivery } from "../relay/delivery.ts";
import type { AcceptedOutcome } from "../relay/run-after-accepted.ts";
import { type BranchDeletionStore, branchDeletionId } from "./branch-deletion-store.ts";
import { parseHookTarget } from "./parse-hook-target.ts";
import { parseRefChanges, type RefChangeType } from "./parse-ref-changes.ts";

/**
 * The push's own `date` is taken as the deletion time when it is at most
 * this much before the gateway received it; otherwise (a skewed Bitbucket
 * clock, a replayed old body) the receipt time is.
 */
export const EVENT_DATE_TOLERANCE_MS = 5 * 60_000;

/** The longest delay a JavaScript timer takes (2^31 - 1 ms). */
const MAX_WAKE_AHEAD_MS = 2 ** 31 - 1;

export interface RecordBranchChangesDeps {
  config: GatewayConfig;
  deletions: BranchDeletionStore;
  clock: Clock;
  logger: Logger;
  /** Told when a recorded deletion becomes due (Node arms a timer). */
  wake?: (at: number) => void;
}

/**
 * The recording half of the branch-deletion lifecycle
 * (docs/storage-schema.md#branch-deletions), run after CDS accepted a delivery (direct
 * or from the queue): for a `repo:refs_changed` that the instance answered
 * 2xx, a branch DELETE records a pending deletion for (instance, project,
 * workflow, branch), project and workflow taken from CDS's answer; an ADD or
 * UPDATE of the same branch cancels it. Within one push the last change of a
 * branch wins. A branch already pending keeps its first deletion time.
 * Instances without `apiUrl` and `token` get no records.
 *
 * A DELETE is recorded only from a webhook whose signature was verified,
 * unless its server sets `unsignedBranchDeletions` (issue #11): executing it
 * removes run history with the gateway's own CDS session, so a forged push
 * must not be able to ask for it. An ADD or UPDATE cancels whatever its
 * source: that only keeps runs.
 */
export async function recordBranchChanges(deps: RecordBranchChangesDeps, delivery: Delivery, outcome: AcceptedOutcome): Promise<void> {
  const headerEvent = delivery.headers["x-event-key"];
  if (headerEvent !== undefined && headerEvent !== "repo:refs_changed") return;
  if (outcome.status < 200 || outcome.status > 299) return;
  const instance = deps.config.cds[outcome.instance];
  if (!instance?.apiUrl || !instance.token) return;
  const push = parseRefChanges(delivery.body);
  if (!push || push.changes.length === 0) return;
  if (headerEvent === undefined && push.eventKey !== "repo:refs_changed") return;

  const fields = { delivery: delivery.id, uuid: delivery.uuid, instance: instance.name };
  const target = parseHookTarget(outcome.responseText);
  if (!target) {
    deps.logger.log("warn", "branch changes not recorded: the CDS answer names no project and workflow", fields);
    return;
  }
  if (isDotSegment(target.project) || isDotSegment(target.workflow)) {
    deps.logger.log("warn", "branch changes not recorded: a name cannot be a path segment", {
      ...fields,
      project: target.project,
      workflow: target.workflow,
    });
    return;
  }
  const last = new Map<string, RefChangeType>();
  for (const change of push.changes) last.set(change.branch, change.type);
  if (!mayRecordDeletions(deps.config, delivery)) {
    const deletions = [...last.values()].filter((type) => type === "DELETE").length;
    if (deletions > 0) {
      deps.logger.log("info", "branch deletions not recorded: the webhook's signature was not verified", {
        ...fields,
        server: delivery.server,
        deletions,
      });
      for (const [branch, type] of last) if (type === "DELETE") last.delete(branch);
    }
  }
  const deletedAt = deletionTime(push.date, delivery.receivedAt);
  const dueAt = deletedAt + deps.config.gateway.branchDeletionDelayMs;

  for (const [branch, type] of last) {
    const branchFields = { ...fields, project: target.project, workflow: target.workflow, branch };
    try {
      const id = await branchDeletionId(instance.name, target.project, target.workflow, branch);
      if (type === "DELETE") {
        // `.` and `..` would move the CDS API path once normalised (issue #11).
        if (isDotSegment(branch)) {
          deps.logger.log("warn", "branch deletion refused: a name cannot be a path segment", branchFields);
          continue;
        }
        // Only if none is pending (a conditional write: two pushes at once record one).
        if (
          !(await deps.deletions.create({
            id,
            instance: instance.name,
            ...target,
            branch,
            deletedAt,
            dueAt,
            nextAttemptAt: dueAt,
            attempts: 0,
          }))
        ) {
          deps.logger.log("debug", "branch deletion already pending", {
            ...branchFields,
            id,
            dueAt: (await deps.deletions.get(id))?.dueAt,
          });
          continue;
        }
        // Further ahead than a timer can wait (~24.8 days): the interval sweep finds it.
        if (dueAt - deps.clock.now() <= MAX_WAKE_AHEAD_MS) deps.wake?.(dueAt);
        deps.logger.log("info", "branch deletion recorded", { ...branchFields, id, dueAt });
      } else if (await deps.deletions.cancel(id)) {
        deps.logger.log("info", "branch deletion cancelled: the branch was pushed again", { ...branchFields, id, change: type });
      }
    } catch (error) {
      deps.logger.log("error", "branch change not recorded", {
        ...branchFields,
        change: type,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/** Signed, or from a server whose operator accepted unsigned deletions (`unsignedBranchDeletions`). */
function mayRecordDeletions(config: GatewayConfig, delivery: Delivery): boolean {
  if (delivery.verified) return true;
  return Object.hasOwn(config.servers, delivery.server) && config.servers[delivery.server]!.unsignedBranchDeletions;
}

/** The push's date (ISO-8601 or epoch ms) when it is plausible, else the receipt time. */
export function deletionTime(eventDate: number | undefined, receivedAt: number): number {
  if (eventDate === undefined || eventDate > receivedAt || receivedAt - eventDate > EVENT_DATE_TOLERANCE_MS) return receivedAt;
  return eventDate;
}
