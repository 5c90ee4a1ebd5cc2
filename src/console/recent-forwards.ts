import type { ForwardLog } from "../relay/webhook-outcome.ts";

/** A webhook CDS took at once (never stored), as the console lists it (issue #16). */
export interface RecentForward {
  id: string;
  status: "forwarded";
  receivedAt: number;
  server: string;
  uuid: string;
  event?: string;
  instance: string;
  responseStatus: number;
  /** From receipt to CDS's answer. */
  durationMs: number;
}

/** The relay's ForwardLog: `add` writes into a slot of the ring (no allocation). */
export interface RecentForwards extends ForwardLog {
  /** The forwards held, newest first. */
  list(): RecentForward[];
}

class Slot {
  id = "";
  receivedAt = 0;
  server = "";
  uuid = "";
  event: string | null = null;
  instance = "";
  status = 0;
  durationMs = 0;
}

/**
 * The last `size` direct forwards of this process (metadata only, no body):
 * a ring of slots allocated once, overwritten in turn, so the relay's path
 * gains neither a store write nor an allocation. Lost on restart; each
 * process (Workers isolate) holds its own.
 */
export function createRecentForwards(size = 200): RecentForwards {
  const slots = Array.from({ length: size }, () => new Slot());
  let next = 0;
  let filled = 0;
  return {
    add(id, receivedAt, server, uuid, event, instance, status, durationMs) {
      const slot = slots[next]!;
      slot.id = id;
      slot.receivedAt = receivedAt;
      slot.server = server;
      slot.uuid = uuid;
      slot.event = event;
      slot.instance = instance;
      slot.status = status;
      slot.durationMs = durationMs;
      next = (next + 1) % size;
      if (filled < size) filled++;
    },
    list() {
      const out: RecentForward[] = [];
      for (let i = 1; i <= filled; i++) {
        const s = slots[(next - i + size) % size]!;
        out.push({
          id: s.id,
          status: "forwarded",
          receivedAt: s.receivedAt,
          server: s.server,
          uuid: s.uuid,
          ...(s.event !== null ? { event: s.event } : {}),
          instance: s.instance,
          responseStatus: s.status,
          durationMs: s.durationMs,
        });
      }
      return out;
    },
  };
}
