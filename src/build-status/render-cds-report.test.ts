import { describe, expect, it } from "vitest";
import { renderCdsReport, reportMark } from "./render-cds-report.ts";

const base = { nodeName: "build", number: 12, subNumber: 0 };

/*
 * The expected texts are what Go's text/template makes of CDS's default
 * report (`sdk.DefaultWorkflowNodeRunReport` in sdk/notif.go from 0.42; the
 * same template with `{{ }}` delimiters in sdk/workflow_run.go in 0.40–0.41;
 * unchanged up to 0.53), worked out action by action below and confirmed by
 * executing that template with Go's text/template on these same runs:
 *
 * - The template opens with a trimmed `if .Stages` followed by a line break
 *   that nothing trims: the report starts with "\n". Every later line of the
 *   stage part begins with a left-trimming action, which eats the line break
 *   before it, so each stage and job line comes out as "\n" + the line.
 * - A mark is three nested if/else: the taken branch writes its symbol and
 *   one space (its right-trimming `-]]` eats the space before the symbol),
 *   then every `end` still to close adds the one space written between two
 *   `end`s. ✔ closes at the last `end`: "✔ ". ✘ has one `end` after its own:
 *   "✘  ". ■ and `-` have two: "■   ", "-   ".
 * - Stages with no run jobs write nothing; without stages the whole part is
 *   skipped. The unit-test part needs test results (absent here) and writes
 *   nothing. The template's last line break, after the final `end`, is not
 *   trimmed: every report ends with "\n", and a run without stages is "\n".
 */
describe("renderCdsReport", () => {
  it("renders a one-stage, one-job failure exactly as CDS", () => {
    const text = renderCdsReport({ ...base, status: "Fail", stages: [{ name: "Stage 1", jobs: [{ name: "my job", status: "Fail" }] }] });
    expect(text).toBe("\nCDS Report build#12.0 ✘  \n* Stage 1\n  * my job ✘  \n");
  });

  it("lists every job of every stage that has jobs, each mark followed by CDS's spaces", () => {
    const text = renderCdsReport({
      ...base,
      subNumber: 2,
      status: "Stopped",
      stages: [
        {
          name: "Build",
          jobs: [
            { name: "compile", status: "Success" },
            { name: "lint", status: "Stopped" },
          ],
        },
        { name: "Empty", jobs: [] },
        {
          name: "Deploy",
          jobs: [
            { name: "push", status: "Skipped" },
            { name: "tag", status: "Fail" },
          ],
        },
      ],
    });
    expect(text).toBe("\nCDS Report build#12.2 ■   \n* Build\n  * compile ✔ \n  * lint ■   \n* Deploy\n  * push -   \n  * tag ✘  \n");
  });

  it("gives the header line alone when stages ran no job", () => {
    expect(renderCdsReport({ ...base, status: "Success", stages: [{ name: "Stage 1", jobs: [] }] })).toBe("\nCDS Report build#12.0 ✔ \n");
  });

  it("renders a run without stages as a line break alone", () => {
    expect(renderCdsReport({ ...base, status: "Fail", stages: [] })).toBe("\n");
  });
});

describe("reportMark", () => {
  it.each([
    ["Success", "✔ "],
    ["Fail", "✘  "],
    ["Stopped", "■   "],
    ["Building", "-   "],
    ["Skipped", "-   "],
  ])("%s → %j", (status, mark) => expect(reportMark(status)).toBe(mark));
});
