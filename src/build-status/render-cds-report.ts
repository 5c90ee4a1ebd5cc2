import type { RunEvent } from "./parse-run-event.ts";

/**
 * The mark CDS's default report puts after a run or a job, with the spaces
 * its template leaves after it (one after ✔, two after ✘, three after ■ and
 * `-`): Success, Fail, Stopped, anything else.
 */
export function reportMark(status: string): string {
  switch (status) {
    case "Success":
      return "✔ ";
    case "Fail":
      return "✘  ";
    case "Stopped":
      return "■   ";
    default:
      return "-   ";
  }
}

/**
 * CDS's default pull-request report (`sdk.DefaultWorkflowNodeRunReport`),
 * byte for byte as CDS 0.40–0.53 renders it (docs/build-status.md):
 *
 *     ⏎CDS Report build#12.0 ✘␣␣⏎* Stage 1⏎  * my job ✘␣␣⏎
 *
 * A leading line break, the header, one `* <stage>` line per stage that ran
 * jobs, one `  * <job> <mark>` line per job, and a final line break. Stages
 * without jobs are left out; a run without stages is a line break alone. The
 * unit-test section of CDS's template needs test results, which run events
 * do not carry.
 */
export function renderCdsReport(event: Pick<RunEvent, "nodeName" | "number" | "subNumber" | "status" | "stages">): string {
  if (event.stages.length === 0) return "\n";
  let text = `\nCDS Report ${event.nodeName}#${event.number}.${event.subNumber} ${reportMark(event.status)}`;
  for (const stage of event.stages) {
    if (stage.jobs.length === 0) continue;
    text += `\n* ${stage.name}`;
    for (const job of stage.jobs) text += `\n  * ${job.name} ${reportMark(job.status)}`;
  }
  return `${text}\n`;
}
