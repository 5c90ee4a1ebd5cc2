/** The CDS workflow a repository webhook belongs to. */
export interface HookTarget {
  project: string;
  workflow: string;
}

/**
 * Project and workflow from the hooks service's answer to a webhook: the
 * TaskExecution JSON it returns has `config.project.value` and
 * `config.workflow.value` (CDS `sdk.WorkflowNodeHookConfig`). Undefined when
 * the answer is not such a document.
 */
export function parseHookTarget(responseText: string): HookTarget | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(responseText);
  } catch {
    return undefined;
  }
  const config = field(parsed, "config");
  const project = field(field(config, "project"), "value");
  const workflow = field(field(config, "workflow"), "value");
  if (typeof project !== "string" || typeof workflow !== "string" || project === "" || workflow === "") return undefined;
  return { project, workflow };
}

function field(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}
