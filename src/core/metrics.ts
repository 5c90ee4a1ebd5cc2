/**
 * Counters, gauges and latency histograms in the Prometheus text exposition format
 * (version 0.0.4), kept in this process's memory: each Node process, Deno
 * process or Workers isolate exposes its own, as Prometheus expects of
 * separate targets.
 */
export interface Metrics {
  /** Adds 1 to a counter series. */
  count(name: string, labels?: Record<string, string>): void;
  /** Records one observation, in seconds, in a histogram. */
  observe(name: string, seconds: number): void;
  /** A gauge, read when the metrics are rendered. */
  gauge(name: string, read: () => number): void;
  render(): string;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const METRIC_HELP: Record<string, [type: "counter" | "histogram" | "gauge", help: string]> = {
  cds_gateway_webhooks_total: ["counter", "Webhook requests by the status code the relay answered."],
  cds_gateway_relay_seconds: ["histogram", "Time to answer one webhook request, CDS's answer included."],
  cds_gateway_queue_attempts_total: ["counter", "Attempts of queued deliveries by result."],
  cds_gateway_cds_unreachable_total: [
    "counter",
    "Offers of a webhook to a CDS instance that did not reach CDS, by instance and reason (connection, timeout, redirect, auth, rate_limited, server_error, html, unexpected_status); the webhook was queued or stays queued.",
  ],
  cds_gateway_body_bytes_in_flight: ["gauge", "Webhook body bytes held in memory by requests in progress (budget: gateway.maxBodyBytesInFlight)."],
};

export function createMetrics(): Metrics {
  const counters = new Map<string, Map<string, number>>();
  const histograms = new Map<string, { buckets: number[]; sum: number; count: number }>();
  const gauges = new Map<string, () => number>();
  const labelText = (labels?: Record<string, string>) =>
    labels && Object.keys(labels).length
      ? `{${Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`
      : "";
  return {
    count(name, labels) {
      let series = counters.get(name);
      if (!series) counters.set(name, (series = new Map()));
      const key = labelText(labels);
      series.set(key, (series.get(key) ?? 0) + 1);
    },
    observe(name, seconds) {
      let h = histograms.get(name);
      if (!h) histograms.set(name, (h = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }));
      BUCKETS.forEach((le, i) => {
        if (seconds <= le) h!.buckets[i]!++;
      });
      h.sum += seconds;
      h.count++;
    },
    gauge(name, read) {
      gauges.set(name, read);
    },
    render() {
      const lines: string[] = [];
      for (const [name, [type, help]] of Object.entries(METRIC_HELP)) {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        if (type === "counter") {
          for (const [labels, value] of counters.get(name) ?? []) lines.push(`${name}${labels} ${value}`);
        } else if (type === "gauge") {
          const read = gauges.get(name);
          if (read) lines.push(`${name} ${read()}`);
        } else {
          const h = histograms.get(name) ?? { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
          BUCKETS.forEach((le, i) => lines.push(`${name}_bucket{le="${le}"} ${h.buckets[i]}`));
          lines.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum}`, `${name}_count ${h.count}`);
        }
      }
      return `${lines.join("\n")}\n`;
    },
  };
}
