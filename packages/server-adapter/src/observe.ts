import type { NodeMeta, NodeStatus } from '@galaxyflow/engine';
import type { FinalRunStatus } from './store/types';

/** What `onError` learns of a request the server failed to answer: a 5xx response. */
export interface RequestErrorContext {
  kind: 'request';
  /** The `X-Request-Id` the response carries. */
  requestId: string;
  method: string;
  /** The route pattern, e.g. `/runs/:id`. */
  route: string;
  /** The response status (500, 503...). */
  status: number;
  /** The problem code answered, e.g. `E_INTERNAL`. */
  code: string;
  /** The caller, when it signed in before the failure. */
  userId?: string;
}

/** What `onError` learns of a run the worker could not carry through: an internal fault. */
export interface RunErrorContext {
  kind: 'run';
  runId: string;
  /** The run's owner. */
  userId: string;
  workflowId: string | null;
  /** The node concerned, when the fault was one node's. */
  nodeId?: string;
  /** What went wrong, e.g. `E_STORE_FAILED`, `E_RUN_INTERRUPTED`. */
  code: string;
  /** The worker that met the fault. */
  workerId: string;
}

export type ErrorContext = RequestErrorContext | RunErrorContext;

/**
 * Hears of every fault on the server's side, for an error tracker such as Sentry: each 5xx
 * response and each run ended or given up by an internal fault. Never called for a caller's
 * mistake (4xx) or for a node that failed on its own (a provider refusing, bad input): those
 * are results, not faults. Whatever it throws or rejects with is logged and ignored.
 */
export type ErrorHook = (error: unknown, context: ErrorContext) => void | Promise<void>;

/** An error tracker's fields for one fault: what Sentry's `captureException` takes as its hint. */
export interface ErrorReport {
  /** Low-cardinality, searchable: the kind of fault and its code; for a request its route and status. */
  tags: Record<string, string>;
  /** Everything `onError` was told, under `galaxyflow`. */
  contexts: { galaxyflow: Record<string, unknown> };
  /** The signed-in user or the run's owner, when known. */
  user?: { id: string };
}

/**
 * How a fault reads in an error tracker, the same from every host: pass it as the hint of
 * `Sentry.captureException(error, errorReportOf(context))` (or map it to another tracker).
 */
export function errorReportOf(context: ErrorContext): ErrorReport {
  const tags: Record<string, string> = { kind: context.kind, code: context.code };
  if (context.kind === 'request') {
    tags.route = context.route;
    tags.status = String(context.status);
  }
  const report: ErrorReport = { tags, contexts: { galaxyflow: { ...context } } };
  if (context.userId) report.user = { id: context.userId };
  return report;
}

/** Calls the host's hook without letting it break the request or the run it reports on. */
export function reportError(
  hook: ErrorHook | undefined,
  error: unknown,
  context: ErrorContext,
  log: (details: Record<string, unknown>, message: string) => void,
): void {
  if (!hook) return;
  const failed = (hookError: unknown) =>
    log({ err: hookError, ...context }, 'the onError hook failed');
  try {
    const returned = hook(error, context);
    if (returned && typeof returned.then === 'function') returned.then(undefined, failed);
  } catch (hookError) {
    failed(hookError);
  }
}

/** Where a rate limit refused a request. */
export type RateLimitScope = 'user' | 'public' | 'sign_in';

/**
 * Measurements the router takes. Implemented by `createPrometheusMetrics`
 * (`@galaxyflow/server-adapter/metrics`); a host may pass its own (StatsD, OpenTelemetry
 * metrics). Each call is cheap and synchronous; labels are low-cardinality by design: no user,
 * run or workflow ids.
 */
export interface ServerMetrics {
  /** An answered request: its route pattern (not its path), method, status and time to the response head. */
  request(sample: { route: string; method: string; status: number; seconds: number }): void;
  /** A request refused by a rate limit. */
  rateLimited(scope: RateLimitScope): void;
  /** An event stream opened (`+1`) or ended (`-1`). */
  streams(change: 1 | -1): void;
}

/** Measurements a worker takes (`executeRun`, and through it every queue). */
export interface WorkerMetrics {
  /** A worker took a run: how long it waited QUEUED since it was submitted (first claim only). */
  runClaimed(sample: { waitSeconds: number }): void;
  /** A node ended in this worker. `meta` says which provider and model answered, with usage. */
  nodeFinished(sample: {
    type: string;
    status: NodeStatus;
    seconds: number | undefined;
    meta: NodeMeta | undefined;
  }): void;
  /** A run ended in this worker. */
  runFinished(sample: { status: FinalRunStatus; seconds: number }): void;
}

/** Both sets of measurements, and how to read them out, as `createPrometheusMetrics` returns. */
export interface GalaxyMetrics extends ServerMetrics, WorkerMetrics {
  /** The exposition text for `GET /metrics`, with its content type. */
  render?(): Promise<{ contentType: string; body: string }>;
}
