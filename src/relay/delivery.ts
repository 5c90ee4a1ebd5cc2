/** A webhook as received, everything needed to deliver it again later. */
export interface Delivery {
  /** The gateway's own id for this delivery (also in logs and answers). */
  id: string;
  uuid: string;
  /** Name of the Bitbucket server (`vcs.servers.NAME`) whose path it came in on. */
  server: string;
  /** The query string including its leading `?`, or "". */
  search: string;
  /** Headers to forward (already filtered by forwardHeaders). */
  headers: Record<string, string>;
  body: Uint8Array;
  receivedAt: number;
  /**
   * Its X-Hub-Signature was checked against the server's webhookSecret and
   * matched. Only such webhooks may bind a route away from an unsigned
   * server's path, or record branch deletions (issue #11).
   */
  verified: boolean;
}

/** What happened when the webhook was offered to CDS. */
export type DeliveryOutcome =
  | {
      kind: "accepted";
      /** The CDS instance that owns the UUID. */
      instance: string;
      /** Its status code (2xx, or 4xx other than 404/429). */
      status: number;
      /** Its answer body, read so the connection can be reused; never returned to Bitbucket. */
      responseText: string;
    }
  | {
      kind: "unknown";
      /** Why, when it is not that every instance answered 404 (the UUID belongs to another server's path). */
      reason?: string;
    }
  | {
      /** The route could not be read and the signature was not verified: nothing was sent (issue #12). */
      kind: "store-unavailable";
      reason: string;
    }
  | {
      kind: "unreachable";
      /** The instances not reached, in the order of `reasons` (the owner is among them; the others answered 404). */
      instances: string[];
      /** Connection error, timeout, 5xx or 429, per instance that failed. */
      reasons: string[];
      /** The largest Retry-After an instance asked for, in ms. */
      retryAfterMs?: number;
    };

/** What the queue tells the relay once it has stored a webhook CDS did not take in time: the relay answers 202 queued. */
export type Queued = "queued";
