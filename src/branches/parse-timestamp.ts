/**
 * A timestamp as Bitbucket sends it, in ms since the epoch: epoch
 * milliseconds (a number or a string of digits, older servers) or an
 * ISO-8601 string (Data Center 10; also the `+0100` offset form without a
 * colon that Bitbucket writes in `date`). Anything else: undefined.
 */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (/^-?\d+$/.test(text)) {
    const ms = Number(text);
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  // ISO-8601 date-time only (not "Tue, 01 Mar…"): normalise "+0100" to "+01:00" for every engine.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return undefined;
  const normalised = text.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? undefined : ms;
}
