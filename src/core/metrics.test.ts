import { describe, expect, it } from "vitest";
import { createMetrics, METRIC_HELP } from "./metrics.ts";

/** The value of one series in a rendered text, or undefined when it is not there. */
const sample = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("createMetrics", () => {
  it("counts through a series handle resolved once, and shows a resolved series at 0 before its first count", () => {
    const metrics = createMetrics();
    const forwarded = metrics.counter("cds_gateway_webhooks_total", { server: "bb", outcome: "forwarded" });
    expect(sample(metrics.render(), 'cds_gateway_webhooks_total{server="bb",outcome="forwarded"}')).toBe(0);
    forwarded.inc();
    forwarded.inc();
    // The same label set resolves to the same series.
    metrics.counter("cds_gateway_webhooks_total", { server: "bb", outcome: "forwarded" }).inc();
    metrics.count("cds_gateway_webhooks_total", { server: "bb", outcome: "forwarded" });
    expect(sample(metrics.render(), 'cds_gateway_webhooks_total{server="bb",outcome="forwarded"}')).toBe(4);
  });

  it("escapes label values as the text format asks (backslash, quote, newline)", () => {
    const metrics = createMetrics();
    metrics.count("cds_gateway_webhooks_total", { server: 'a"b\\c\nd', outcome: "queued" });
    expect(metrics.render()).toContain('cds_gateway_webhooks_total{server="a\\"b\\\\c\\nd",outcome="queued"} 1');
  });

  it("reads gauges at render time, one line per label set, and leaves out a gauge whose value is unknown", () => {
    const metrics = createMetrics();
    let depth: number | undefined = 3;
    metrics.gauge("cds_gateway_queue_depth", () => depth);
    metrics.gauge("cds_gateway_body_bytes_in_flight", () => 10);
    let text = metrics.render();
    expect(sample(text, "cds_gateway_queue_depth")).toBe(3);
    expect(sample(text, "cds_gateway_body_bytes_in_flight")).toBe(10);
    depth = 0;
    expect(sample(metrics.render(), "cds_gateway_queue_depth")).toBe(0);
    depth = undefined;
    text = metrics.render();
    expect(sample(text, "cds_gateway_queue_depth")).toBeUndefined();
    expect(text).toContain("# TYPE cds_gateway_queue_depth gauge");
  });

  it("keeps cumulative histogram buckets, sum and count", () => {
    const metrics = createMetrics();
    metrics.observe("cds_gateway_relay_seconds", 0.004);
    metrics.observe("cds_gateway_relay_seconds", 0.3);
    metrics.observe("cds_gateway_relay_seconds", 20);
    const text = metrics.render();
    expect(sample(text, 'cds_gateway_relay_seconds_bucket{le="0.005"}')).toBe(1);
    expect(sample(text, 'cds_gateway_relay_seconds_bucket{le="0.25"}')).toBe(1);
    expect(sample(text, 'cds_gateway_relay_seconds_bucket{le="0.5"}')).toBe(2);
    expect(sample(text, 'cds_gateway_relay_seconds_bucket{le="10"}')).toBe(2);
    expect(sample(text, 'cds_gateway_relay_seconds_bucket{le="+Inf"}')).toBe(3);
    expect(sample(text, "cds_gateway_relay_seconds_count")).toBe(3);
    expect(sample(text, "cds_gateway_relay_seconds_sum")).toBeCloseTo(20.304, 6);
  });

  it("refuses a name that has no HELP and TYPE: every metric is documented (docs/metrics.md)", () => {
    const metrics = createMetrics();
    expect(() => metrics.counter("cds_gateway_made_up_total")).toThrow(/cds_gateway_made_up_total/);
    expect(() => metrics.gauge("cds_gateway_queue_attempts_total", () => 1)).toThrow(/counter/);
  });

  it("writes HELP and TYPE for every metric, names in snake case with the cds_gateway_ prefix, counters ending in _total", () => {
    const text = createMetrics().render();
    for (const [name, [type]] of Object.entries(METRIC_HELP)) {
      expect(name).toMatch(/^cds_gateway_[a-z_]+$/);
      if (type === "counter") expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
      expect(text).toContain(`# HELP ${name} `);
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
    }
  });
});
