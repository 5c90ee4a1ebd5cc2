import { createHmac } from "node:crypto";
import type { HmacSha256 } from "../../core/ports.ts";

/** node:crypto's HMAC-SHA256, on the spot, without WebCrypto's hand-off to another thread (issue #13). */
export const nodeHmacSha256: HmacSha256 = (key, data) => createHmac("sha256", key).update(data).digest();
