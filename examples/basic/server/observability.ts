import { type ErrorHook, errorReportOf } from '@galaxyflow/server-adapter';
import type { PrometheusMetrics } from '@galaxyflow/server-adapter/metrics';
import type { Logger } from 'pino';
import type { AppConfig } from './config';

/** What the app reports to and exposes for operators: nothing unless the settings ask. */
export interface Observability {
  /** Sends faults to Sentry (`SENTRY_DSN`). */
  onError: ErrorHook | undefined;
  /** Prometheus metrics, served at `/api/metrics` to `METRICS_TOKEN`. */
  metrics: PrometheusMetrics | undefined;
  /** Sends what is still buffered (reports to Sentry, spans), for up to `timeoutMs`. */
  flush(timeoutMs?: number): Promise<void>;
  /** Flushes, then stops exporting traces. */
  close(): Promise<void>;
}

/**
 * Starts error reporting and metrics as the settings say. Each is loaded only when switched
 * on, so the default start pays for neither.
 */
export async function startObservability(
  config: AppConfig,
  logger: Logger,
  /** Runs waiting for a worker, for the `queue_depth` gauge (the store's count, cluster-wide). */
  queueDepth?: () => Promise<number>,
): Promise<Observability> {
  let onError: ErrorHook | undefined;
  let flush = async (_timeoutMs?: number) => {};
  if (config.SENTRY_DSN) {
    const Sentry = await import('@sentry/node');
    Sentry.init({
      dsn: config.SENTRY_DSN,
      environment: config.SENTRY_ENVIRONMENT,
      // Errors only: the SDK registers no OpenTelemetry tracer provider of its own (its
      // default), so traces stay with the app's OpenTelemetry setup.
      enableOpenTelemetrySetup: false,
    });
    onError = (error, context) => {
      Sentry.captureException(error, errorReportOf(context));
    };
    flush = async (timeoutMs = 2000) => {
      await Sentry.flush(timeoutMs);
    };
    logger.info('errors are reported to Sentry');
  }
  let metrics: PrometheusMetrics | undefined;
  if (config.METRICS_TOKEN) {
    const { createPrometheusMetrics } = await import('@galaxyflow/server-adapter/metrics');
    metrics = createPrometheusMetrics(queueDepth ? { queueDepth } : {});
  }
  const tracing = config.OTEL_EXPORTER_OTLP_ENDPOINT
    ? await startTracing(config.OTEL_EXPORTER_OTLP_ENDPOINT, config.OTEL_SERVICE_NAME ?? 'galaxyflow')
    : undefined;
  if (tracing) logger.info({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }, 'traces are exported over OTLP');
  const flushAll = async (timeoutMs?: number) => {
    await Promise.all([flush(timeoutMs), tracing?.flush()]);
  };
  return {
    onError,
    metrics,
    flush: flushAll,
    async close() {
      await flushAll();
      await tracing?.close();
    },
  };
}

/**
 * Registers an OpenTelemetry tracer provider exporting to an OTLP/HTTP collector. The SDK is
 * imported only here, so an app without `OTEL_EXPORTER_OTLP_ENDPOINT` never loads it and the
 * engine's spans stay no-ops.
 */
async function startTracing(endpoint: string, serviceName: string) {
  const [api, { NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // Also the context manager and the W3C propagator, for the host's own spans.
  provider.register();
  return {
    flush: () => provider.forceFlush(),
    async close() {
      await provider.shutdown();
      api.trace.disable();
      api.context.disable();
      api.propagation.disable();
    },
  };
}
