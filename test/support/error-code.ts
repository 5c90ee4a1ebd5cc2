import { GatewayError } from "../../src/core/gateway-error.ts";

/** The GatewayError code a promise rejects with, or "resolved"; any other rejection is rethrown. */
export async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    if (error instanceof GatewayError) return error.code;
    throw error;
  }
}
