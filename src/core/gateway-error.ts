/**
 * Errors with a stable `code`, as jose does: callers and tests branch on the
 * code, never on the message. Messages never contain secret values.
 */
export class GatewayError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "GatewayError";
    this.code = code;
  }
}
