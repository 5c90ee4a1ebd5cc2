import { gatewayToml as writeGatewayToml } from "../test/support/gateway-toml.ts";
import { BENCH_WEBHOOK_SECRET, OTHER_PATH, OWNER_PATH } from "./bench-webhook.ts";

export interface GatewayTomlOptions {
  /** The stub CDS's port. */
  cdsPort: number;
  /** `gateway.store` (Node only): `sqlite:PATH`, `redis://…`; absent on Deno and Workers. */
  store?: string;
  /** Bitbucket's webhook secret: every webhook must then carry a valid X-Hub-Signature. */
  webhookSecret?: boolean;
  /** A bearer token for the admin API (`/-/*`). */
  apiToken?: string;
}

/**
 * The gateway's configuration for a run, as an operator writes it: two CDS
 * instances (the stub's `alpha`, which owns the benchmark webhook, and `beta`,
 * which owns nothing, so the route matters) and one Bitbucket Server whose
 * webhooks come to the root path. See docs/configuration.md.
 */
export function gatewayToml(options: GatewayTomlOptions): string {
  const cds = `http://127.0.0.1:${options.cdsPort}`;
  return writeGatewayToml({
    gateway: {
      ...(options.store !== undefined ? { store: options.store } : {}),
      ...(options.apiToken !== undefined ? { apiTokens: [options.apiToken] } : {}),
    },
    cds: { alpha: { hooksUrl: `${cds}${OWNER_PATH}` }, beta: { hooksUrl: `${cds}${OTHER_PATH}` } },
    servers: {
      Bitbucket: { url: "https://bitbucket.example.com", bitbucket: options.webhookSecret ? { webhookSecret: BENCH_WEBHOOK_SECRET } : {} },
    },
  });
}
