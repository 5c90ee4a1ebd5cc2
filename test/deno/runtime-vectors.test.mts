/** RFC 5849 RSA-SHA1 / HMAC-SHA1 and X-Hub-Signature vectors, in Deno (test/support/workers-runtime-vectors.ts). */
import { describeRuntimeVectors } from "../support/workers-runtime-vectors.ts";
import { registerWithDenoTest } from "./deno-test-runner.mts";

describeRuntimeVectors("deno");

registerWithDenoTest();
