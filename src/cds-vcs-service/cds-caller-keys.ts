import type { CdsSessions } from "../cds-api/cds-session.ts";
import type { CdsInstanceConfig, GatewayConfig } from "../core/config-types.ts";
import { GatewayError } from "../core/gateway-error.ts";
import type { Clock, Logger } from "../core/ports.ts";
import { importRsaPublicKey } from "../httpsig/import-rsa-public-key.ts";
import { verifyRequestSignature } from "../httpsig/verify-request-signature.ts";

/** At most one signin per instance this often to (re)read its key: garbage signatures must not become a stream of signins. */
export const KEY_REREAD_INTERVAL_MS = 60_000;

export interface CdsCallers {
  /**
   * Verifies the HTTP signature of a call CDS's API made to its vcs service
   * and resolves to the CDS instance whose key verified it. Throws the
   * GatewayError of verifyRequestSignature, or `ERR_SIGNATURE_NO_KEY` when no
   * instance's key is known.
   */
  verify(request: Request): Promise<CdsInstanceConfig>;
}

/**
 * The API keys of the configured CDS instances (issue #10): `apiPublicKey`
 * when set, else the `X-Api-Pub-Signing-Key` of the instance's signin (its
 * `apiUrl` and `token`, the session the branch deletions use). Keys are
 * imported once and kept; a signature that verifies with none of them has
 * the signin keys read again once (at most every KEY_REREAD_INTERVAL_MS per
 * instance: CDS's API may have restarted with a new key) before it is refused.
 */
export function createCdsCallers(deps: { config: GatewayConfig; sessions: CdsSessions; clock: Clock; logger: Logger }): CdsCallers {
  const instances = Object.values(deps.config.cds).filter((i) => i.apiPublicKey !== undefined || (i.apiUrl && i.token));
  const imported = new Map<string, Promise<CryptoKey>>();
  /** When each signin instance last signed in for its key, and what that signin published. */
  const lastRead = new Map<string, number>();
  const readKeys = new Map<string, string | undefined>();

  const importKey = (text: string): Promise<CryptoKey> => {
    let key = imported.get(text);
    if (!key) {
      if (imported.size >= 4 * instances.length + 4) imported.clear(); // keys rotated many times: start over
      key = importRsaPublicKey(text);
      imported.set(text, key);
      key.catch(() => imported.delete(text));
    }
    return key;
  };

  const keyOf = async (instance: CdsInstanceConfig, reread: boolean): Promise<CryptoKey | undefined> => {
    try {
      if (instance.apiPublicKey !== undefined) return await importKey(instance.apiPublicKey);
      let text: string | undefined;
      if (!reread && readKeys.has(instance.name)) {
        text = readKeys.get(instance.name);
      } else {
        const now = deps.clock.now();
        const last = lastRead.get(instance.name);
        if (last !== undefined && now - last < KEY_REREAD_INTERVAL_MS) return undefined;
        lastRead.set(instance.name, now);
        text = await deps.sessions.signingKey(instance, { renew: reread });
        readKeys.set(instance.name, text);
      }
      return text === undefined ? undefined : await importKey(text);
    } catch (error) {
      deps.logger.log("warn", "the API key of a CDS instance is not available", {
        instance: instance.name,
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  };

  const keysOf = async (reread: boolean) => {
    const found = await Promise.all(instances.map(async (instance) => ({ instance, key: await keyOf(instance, reread) })));
    return found.filter((k): k is { instance: CdsInstanceConfig; key: CryptoKey } => k.key !== undefined);
  };

  const verifyWith = async (request: Request, keys: Array<{ instance: CdsInstanceConfig; key: CryptoKey }>) => {
    const index = await verifyRequestSignature({
      method: request.method,
      url: new URL(request.url),
      headers: request.headers,
      keys: keys.map((k) => k.key),
      now: deps.clock.now(),
    });
    return keys[index]!.instance;
  };

  return {
    async verify(request) {
      const keys = await keysOf(false);
      if (keys.length === 0) {
        throw new GatewayError(
          "ERR_SIGNATURE_NO_KEY",
          "no CDS instance's API key is known: set apiPublicKey, or apiUrl and token, in [gateway.cds.NAME] (a failed signin is logged)",
        );
      }
      try {
        return await verifyWith(request, keys);
      } catch (error) {
        if (!(error instanceof GatewayError) || error.code !== "ERR_SIGNATURE_INVALID") throw error;
        const reread = (await keysOf(true)).filter((fresh) => !keys.some((k) => k.key === fresh.key));
        if (reread.length === 0) throw error;
        return await verifyWith(request, reread);
      }
    },
  };
}
