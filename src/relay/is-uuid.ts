/**
 * An RFC 4122 / RFC 9562 UUID in its 36-character text form (versions 1–8,
 * variant 10xx). CDS hook UUIDs are version 4
 * (docs/cds-behaviour.md#webhooks-and-the-hooks-service).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}
