import type { RunEvent } from "./parse-run-event.ts";

/** The mark CDS's default report puts after a run or job: ✔ Success, ✘ Fail, ■ Stopped, `-` otherwise. */
export function reportMark(status: string): string {
  switch (status) {
    case "Success":
      return "✔";
    case "Fail":
      return "✘";
    case "Stopped":
      return "■";
    default:
      return "-";
  }
}

/**
 * CDS's default pull-request report (`sdk.DefaultWorkflowNodeRunReport`):
 *
 *     CDS Report build#12.0 ✘
 *     * Stage 1
 *       * my job ✘
 *
 * One `* <stage>` line per stage that ran jobs, then one `  * <job> <mark>`
 * line per job. Stages without jobs are left out, as CDS does. The unit-test
 * section of CDS's template needs test results, which run events do not carry.
 */
export function renderCdsReport(event: Pick<RunEvent, "nodeName" | "number" | "subNumber" | "status" | "stages">): string {
  const lines = [`CDS Report ${event.nodeName}#${event.number}.${event.subNumber} ${reportMark(event.status)}`];
  for (const stage of event.stages) {
    if (stage.jobs.length === 0) continue;
    lines.push(`* ${stage.name}`);
    for (const job of stage.jobs) lines.push(`  * ${job.name} ${reportMark(job.status)}`);
  }
  return lines.join("\n");
}
