/**
 * Counters, gauges and latency histograms in the Prometheus text exposition format
 * (version 0.0.4), kept in this process's memory: each Node process, Deno
 * process or Workers isolate exposes its own, as Prometheus expects of
 * separate targets. Every metric is described in docs/metrics.md.
 *
 * A counter series is a handle (`counter()`): resolved once per label set,
 * it is incremented without building a label string or allocating, so a
 * per-request path resolves its handles up front and only calls `inc()`
 * (issue #16). `count()` resolves and increments in one call, for paths
 * where that cost does not matter.
 */
export interface Metrics {
  /** The series of counter `name` with these labels (created at 0, shown from then on). */
  counter(name: string, labels?: Record<string, string>): Counter;
  /** Adds 1 to a counter series: `counter(name, labels).inc()`. */
  count(name: string, labels?: Record<string, string>): void;
  /** Records one observation, in seconds, in a histogram. */
  observe(name: string, seconds: number): void;
  /** A gauge series, read when the metrics are rendered; a read giving undefined leaves the line out. */
  gauge(name: string, read: () => number | undefined, labels?: Record<string, string>): void;
  render(): string;
}

/** One counter series. */
export interface Counter {
  inc(): void;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const METRIC_HELP: Record<string, [type: "counter" | "histogram" | "gauge", help: string]> = {
  cds_gateway_webhooks_total: [
    "counter",
    "Webhook requests by Bitbucket server (absent before the path named one) and outcome: forwarded, queued, duplicate, ping, or rejected with a reason.",
  ],
  cds_gateway_relay_seconds: ["histogram", "Time to answer one webhook request, CDS's answer included."],
  cds_gateway_queue_attempts_total: [
    "counter",
    "Results of queued deliveries' attempts, and of direct forwards answered after forwardTimeout, by result.",
  ],
  cds_gateway_cds_unreachable_total: [
    "counter",
    "Offers of a webhook to a CDS instance that did not reach CDS, by instance and reason (connection, timeout, redirect, auth, rate_limited, server_error, html, unexpected_status); the webhook was queued or stays queued.",
  ],
  cds_gateway_cds_answers_total: [
    "counter",
    "Offers of a webhook to a CDS instance by instance and answer: the status class (2xx, 3xx, 4xx, 5xx), or timeout or connection when there was no answer.",
  ],
  cds_gateway_queue_depth: ["gauge", "Queued deliveries in the store, counted up to 1000 at scrape time (1000: at least that many)."],
  cds_gateway_dead_letters: ["gauge", "Dead letters in the store, counted up to 1000 at scrape time (1000: at least that many)."],
  cds_gateway_queue_oldest_age_seconds: [
    "gauge",
    "Age of the oldest queued delivery (since Bitbucket sent it), read from the store at scrape time; 0 when none is queued.",
  ],
  cds_gateway_branch_deletions_pending: ["gauge", "Branch deletions waiting in the store (due or not), counted up to 1000 at scrape time."],
  cds_gateway_branch_deletions_done_total: ["counter", "Branch deletions CDS carried out, by CDS instance."],
  cds_gateway_branch_deletion_failures_total: ["counter", "Failed attempts of branch deletions (retried later), by CDS instance."],
  cds_gateway_bitbucket_calls_total: [
    "counter",
    "Calls to Bitbucket by server, kind (status, statuses, comment, pull_requests, repositories, webhooks, other) and answer: the status class, or timeout or connection.",
  ],
  cds_gateway_body_bytes_in_flight: [
    "gauge",
    "Webhook body bytes held in memory by requests in progress (budget: gateway.maxBodyBytesInFlight).",
  ],
};

type MetricType = (typeof METRIC_HELP)[string][0];

class Series implements Counter {
  value = 0;
  inc(): void {
    this.value++;
  }
}

interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

export function createMetrics(): Metrics {
  const counters = new Map<string, Map<string, Series>>();
  const histograms = new Map<string, Histogram>();
  const gauges = new Map<string, Map<string, () => number | undefined>>();
  const typeOf = (name: string, expected: MetricType) => {
    const type = METRIC_HELP[name]?.[0];
    if (type === undefined) throw new Error(`metric ${name} has no HELP text in METRIC_HELP`);
    if (type !== expected) throw new Error(`metric ${name} is a ${type}, not a ${expected}`);
  };
  const counter = (name: string, labels?: Record<string, string>): Counter => {
    typeOf(name, "counter");
    let series = counters.get(name);
    if (!series) counters.set(name, (series = new Map()));
    const key = labelText(labels);
    let found = series.get(key);
    if (!found) series.set(key, (found = new Series()));
    return found;
  };
  return {
    counter,
    count(name, labels) {
      counter(name, labels).inc();
    },
    observe(name, seconds) {
      let h = histograms.get(name);
      if (!h) {
        typeOf(name, "histogram");
        histograms.set(name, (h = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }));
      }
      for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.buckets[i]!++;
      h.sum += seconds;
      h.count++;
    },
    gauge(name, read, labels) {
      typeOf(name, "gauge");
      let series = gauges.get(name);
      if (!series) gauges.set(name, (series = new Map()));
      series.set(labelText(labels), read);
    },
    render() {
      const lines: string[] = [];
      for (const [name, [type, help]] of Object.entries(METRIC_HELP)) {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        if (type === "counter") {
          for (const [labels, series] of counters.get(name) ?? []) lines.push(`${name}${labels} ${series.value}`);
        } else if (type === "gauge") {
          for (const [labels, read] of gauges.get(name) ?? []) {
            const value = read();
            if (value !== undefined) lines.push(`${name}${labels} ${value}`);
          }
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

/** `{a="x",b="y"}` in the order given, values escaped (text format 0.0.4); "" without labels. */
function labelText(labels?: Record<string, string>): string {
  if (!labels) return "";
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}
