import type { CdsInstanceConfig } from "../core/config-types.ts";

export type PickedCdsInstance = { instance: CdsInstanceConfig } | { error: string };

/**
 * The CDS instance whose `uiUrl` a build status links to (docs/build-status.md): the one
 * named by `?cds=<instance>`; without it, the one whose table name equals the
 * event's `cdsname`, else the only one configured. Anything else is an error
 * (a fixed text, the caller answers 400).
 */
export function pickCdsInstance(
  instances: Readonly<Record<string, CdsInstanceConfig>>,
  options: { requested?: string | undefined; cdsName?: string | undefined },
): PickedCdsInstance {
  const own = (name: string) => (Object.hasOwn(instances, name) ? instances[name] : undefined);
  if (options.requested !== undefined) {
    const instance = own(options.requested);
    return instance ? { instance } : { error: "?cds= names no configured CDS instance" };
  }
  if (options.cdsName !== undefined) {
    const instance = own(options.cdsName);
    if (instance) return { instance };
  }
  const all = Object.values(instances);
  if (all.length === 1) return { instance: all[0]! };
  if (all.length === 0) return { error: "no CDS instance is configured ([gateway.cds.NAME])" };
  return { error: "several CDS instances are configured: name one with ?cds=<instance> or the event's cdsname" };
}
