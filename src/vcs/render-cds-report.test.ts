import { describe, expect, it } from "vitest";
import { renderCdsReport, reportMark } from "./render-cds-report.ts";

const base = { nodeName: "build", number: 12, subNumber: 0 };

describe("renderCdsReport", () => {
  it("renders a one-stage, one-job failure exactly as CDS", () => {
    const text = renderCdsReport({ ...base, status: "Fail", stages: [{ name: "Stage 1", jobs: [{ name: "my job", status: "Fail" }] }] });
    expect(text).toBe("CDS Report build#12.0 ✘\n* Stage 1\n  * my job ✘");
  });

  it("lists every job of every stage that has jobs, with its mark", () => {
    const text = renderCdsReport({
      ...base,
      subNumber: 2,
      status: "Stopped",
      stages: [
        { name: "Build", jobs: [{ name: "compile", status: "Success" }, { name: "lint", status: "Stopped" }] },
        { name: "Empty", jobs: [] },
        { name: "Deploy", jobs: [{ name: "push", status: "Skipped" }] },
      ],
    });
    expect(text).toBe("CDS Report build#12.2 ■\n* Build\n  * compile ✔\n  * lint ■\n* Deploy\n  * push -");
  });

  it("gives the header alone when no stage ran jobs", () => {
    expect(renderCdsReport({ ...base, status: "Fail", stages: [] })).toBe("CDS Report build#12.0 ✘");
  });
});

describe("reportMark", () => {
  it.each([
    ["Success", "✔"],
    ["Fail", "✘"],
    ["Stopped", "■"],
    ["Building", "-"],
    ["Skipped", "-"],
  ])("%s → %s", (status, mark) => expect(reportMark(status)).toBe(mark));
});
