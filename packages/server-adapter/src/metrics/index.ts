/**
 * Prometheus metrics for the router and the workers, on `prom-client` (an optional peer:
 * install it to use this entry point).
 *
 *   const metrics = createPrometheusMetrics();
 *   const queue = createInProcessQueue({ store, registry, metrics });
 *   app.use('/api', createGalaxyRouter({ ..., metrics, metricsToken: process.env.METRICS_TOKEN }));
 */
import type { NodeMeta } from '@galaxyflow/engine';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { GalaxyMetrics } from '../observe';

export interface PrometheusMetricsOptions {
  /**
   * The registry to register in, e.g. the host's own to serve one exposition. Default a new
   * registry, with prom-client's process metrics (CPU, memory, event loop lag) in it.
   */
  registry?: Registry;
  /** Prepended to every metric name. Default `galaxyflow_`. */
  prefix?: string;
  /**
   * Runs waiting to start, read at each scrape, e.g.
   * `() => store.countQueuedRuns()` (the whole cluster's count, the same from every process).
   * Default none (no `queue_depth` metric).
   */
  queueDepth?: () => Promise<number> | number;
  /**
   * Distinct provider models counted by name; later ones are counted as `other`. Model ids
   * come from workflows, so a user could otherwise mint a label per request. Default 100.
   */
  maxModels?: number;
}

export interface PrometheusMetrics extends GalaxyMetrics {
  /** Where the metrics live. */
  readonly registry: Registry;
  render(): Promise<{ contentType: string; body: string }>;
}

const SECONDS_FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SECONDS_SLOW = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const OTHER = 'other';

/** Keeps a label's distinct values bounded: past `max`, new values read `other`. */
function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return OTHER;
    seen.add(value);
    return value;
  };
}

/**
 * Metrics of requests, runs, nodes, the queue and provider calls. Labels are kept
 * low-cardinality: route patterns (never paths), statuses, node types, providers and a
 * bounded set of models; no user, run or workflow ids.
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  const owned = !options.registry;
  const registry = options.registry ?? new Registry();
  if (owned) collectDefaultMetrics({ register: registry });
  const prefix = options.prefix ?? 'galaxyflow_';
  const registers = [registry];
  const model = boundedLabel(options.maxModels ?? 100);

  const requestDuration = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'Time from a request to its response head (an event stream counts until it starts), by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: SECONDS_FAST,
    registers,
  });
  const rateLimited = new Counter({
    name: `${prefix}rate_limited_total`,
    help: 'Requests refused by a rate limit, by scope: user (per signed-in user), public (per address), sign_in (failed sign-ins per address).',
    labelNames: ['scope'] as const,
    registers,
  });
  const streamsOpen = new Gauge({
    name: `${prefix}event_streams_open`,
    help: 'Run event streams (Server-Sent Events) open now.',
    registers,
  });
  const runs = new Counter({
    name: `${prefix}runs_total`,
    help: 'Runs ended, by final status.',
    labelNames: ['status'] as const,
    registers,
  });
  const runDuration = new Histogram({
    name: `${prefix}run_duration_seconds`,
    help: 'Duration of ended runs from their first start, by final status.',
    labelNames: ['status'] as const,
    buckets: SECONDS_SLOW,
    registers,
  });
  const nodes = new Counter({
    name: `${prefix}nodes_total`,
    help: 'Nodes ended, by node type and status (reused and skipped nodes included).',
    labelNames: ['type', 'status'] as const,
    registers,
  });
  const nodeDuration = new Histogram({
    name: `${prefix}node_duration_seconds`,
    help: 'Duration of nodes that ran (retries included), by node type and status.',
    labelNames: ['type', 'status'] as const,
    buckets: SECONDS_SLOW,
    registers,
  });
  const queueWait = new Histogram({
    name: `${prefix}queue_wait_seconds`,
    help: 'Time runs waited queued, from submission to their first start.',
    buckets: SECONDS_SLOW,
    registers,
  });
  const providerRequests = new Counter({
    name: `${prefix}provider_requests_total`,
    help: 'Calls to model providers, by provider, model and outcome (success, error); retries and fallbacks count each call.',
    labelNames: ['provider', 'model', 'outcome'] as const,
    registers,
  });
  const tokens = new Counter({
    name: `${prefix}provider_tokens_total`,
    help: 'Tokens providers reported, by provider, model and direction (input, output).',
    labelNames: ['provider', 'model', 'direction'] as const,
    registers,
  });
  const { queueDepth } = options;
  if (queueDepth) {
    new Gauge({
      name: `${prefix}queue_depth`,
      help: 'Runs waiting to start.',
      registers,
      async collect() {
        this.set(await queueDepth());
      },
    });
  }

  function countProviderCalls(meta: NodeMeta): void {
    for (const fallback of meta.fallbacks ?? []) {
      providerRequests.inc(
        { provider: fallback.provider, model: model(fallback.model), outcome: 'error' },
        fallback.attempts,
      );
    }
    if (meta.provider === undefined) return;
    const labels = { provider: meta.provider, model: model(meta.model ?? 'unknown') };
    const attempts = meta.attempts ?? 1;
    providerRequests.inc({ ...labels, outcome: 'success' });
    if (attempts > 1) providerRequests.inc({ ...labels, outcome: 'error' }, attempts - 1);
    const { inputTokens, outputTokens } = meta.usage ?? {};
    if (inputTokens) tokens.inc({ ...labels, direction: 'input' }, inputTokens);
    if (outputTokens) tokens.inc({ ...labels, direction: 'output' }, outputTokens);
  }

  return {
    registry,
    request({ route, method, status, seconds }) {
      requestDuration.observe({ route, method, status: String(status) }, seconds);
    },
    rateLimited(scope) {
      rateLimited.inc({ scope });
    },
    streams(change) {
      streamsOpen.inc(change);
    },
    runClaimed({ waitSeconds }) {
      queueWait.observe(waitSeconds);
    },
    nodeFinished({ type, status, seconds, meta }) {
      nodes.inc({ type, status });
      if (seconds !== undefined) nodeDuration.observe({ type, status }, seconds);
      if (meta) countProviderCalls(meta);
    },
    runFinished({ status, seconds }) {
      runs.inc({ status });
      runDuration.observe({ status }, seconds);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
