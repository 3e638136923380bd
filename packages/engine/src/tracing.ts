import {
  type Attributes,
  type Context,
  context as otelContext,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { ErrorInfo } from './errors';

/** The name spans of the engine are recorded under. */
export const TRACER_NAME = '@galaxyflow/engine';

/** How a run is traced (`RunOptions.trace`). Spans go through `@opentelemetry/api`: nothing is recorded unless the host installs an SDK. */
export interface RunTraceOptions {
  /**
   * The W3C `traceparent` of the span the run continues, e.g. the HTTP request that queued it
   * in another process. Default: the active span, if any.
   */
  parent?: string;
  /**
   * The OpenTelemetry context whose span the run continues; wins over `parent` and the active
   * span. Sub-workflow and Map item runs get their node attempt's context this way.
   */
  context?: Context;
  /**
   * Record prompts and answers on provider-call spans (`gen_ai.content.prompt` and
   * `gen_ai.content.completion` events). Default false: they may hold personal data.
   */
  recordContent?: boolean;
  /** The workflow's id as the host stores it (`galaxyflow.workflow.id`); a workflow document carries none. Default: not recorded. */
  workflowId?: string;
  /** The tracer to use. Default: `trace.getTracer('@galaxyflow/engine')` from the global provider. */
  tracer?: Tracer;
}

/** What a provider call needs to trace itself as a child of a node attempt (`ProviderCallRequest.trace`). */
export interface ProviderCallTrace {
  /** The context holding the parent span. */
  parent: Context;
  tracer: Tracer;
  /** Whether prompts and answers are recorded. */
  recordContent: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The context of a remote parent from a W3C `traceparent` header value; undefined when it is
 * malformed or names the all-zero ids, which the spec says to ignore.
 */
export function contextFromTraceparent(
  traceparent: string,
  base: Context = ROOT_CONTEXT,
): Context | undefined {
  const match = TRACEPARENT.exec(traceparent.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined;
  return trace.setSpanContext(base, {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: Number.parseInt(flags!, 16),
    isRemote: true,
  });
}

/** The W3C `traceparent` of a context's span, or undefined when it has no valid one. */
export function traceparentOf(ctx: Context): string | undefined {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  return `00-${spanContext.traceId}-${spanContext.spanId}-${(spanContext.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The W3C `traceparent` of the span active right now (e.g. the host's HTTP request span), if any. */
export function activeTraceparent(): string | undefined {
  return traceparentOf(otelContext.active());
}

function markFailed(span: Span, error: ErrorInfo): void {
  span.setAttribute('error.type', error.code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/**
 * A run's tracing once its span has started. Only made when that span records: with no SDK
 * installed (or the trace sampled out) a run builds no node span and no attribute at all.
 */
export interface RunTracing {
  readonly span: Span;
  /** The context holding the run span, parent of the node attempts. */
  readonly context: Context;
  readonly tracer: Tracer;
  readonly recordContent: boolean;
  readonly workflowId: string | undefined;
}

/**
 * Starts the `galaxyflow.run` span. `tracing` is undefined when nothing records it; `context`
 * holds the span either way, so a child run started from this one inherits its sampling
 * decision instead of starting a trace of its own.
 */
export function startRunSpan(
  options: RunTraceOptions | undefined,
  attributes: Attributes,
): { tracing: RunTracing | undefined; context: Context } {
  const tracer = options?.tracer ?? trace.getTracer(TRACER_NAME);
  const parent =
    options?.context ??
    (options?.parent !== undefined ? contextFromTraceparent(options.parent) : undefined) ??
    otelContext.active();
  const span = tracer.startSpan('galaxyflow.run', { kind: SpanKind.INTERNAL, attributes }, parent);
  const context = trace.setSpan(parent, span);
  if (!span.isRecording()) {
    span.end();
    return { tracing: undefined, context };
  }
  if (options?.workflowId !== undefined)
    span.setAttribute('galaxyflow.workflow.id', options.workflowId);
  return {
    tracing: {
      span,
      context,
      tracer,
      recordContent: options?.recordContent === true,
      workflowId: options?.workflowId,
    },
    context,
  };
}

/** Ends the run span with the run's final (or suspended) status. */
export function endRunSpan(
  tracing: RunTracing,
  status: string,
  error: ErrorInfo | undefined,
): void {
  tracing.span.setAttribute('galaxyflow.run.status', status);
  if (error && (status === 'FAILED' || status === 'PARTIAL')) markFailed(tracing.span, error);
  tracing.span.end();
}

/** Starts the span of one node attempt, child of the run span. */
export function startNodeSpan(tracing: RunTracing, attributes: Attributes): Span {
  if (tracing.workflowId !== undefined) attributes['galaxyflow.workflow.id'] = tracing.workflowId;
  return tracing.tracer.startSpan(
    'galaxyflow.node',
    { kind: SpanKind.INTERNAL, attributes },
    tracing.context,
  );
}

/** Ends a node attempt's span; `error` marks it failed. */
export function endNodeSpan(span: Span, error: ErrorInfo | undefined): void {
  if (error) markFailed(span, error);
  span.end();
}

/** What a provider-call span is told about the call. */
export interface ProviderSpanInfo {
  /**
   * The GenAI operation: `chat` for text and vision calls, `generate_content` for image
   * generation (the conventions name no image operation of their own). Default `chat`.
   */
  operation?: 'chat' | 'generate_content';
  provider: string;
  model: string;
  /** Attempt number on this provider, from 1. */
  attempt: number;
  /** Providers that failed before this one in the fallback chain. */
  fallbackFrom: readonly string[];
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  prompt?: string | undefined;
  system?: string | undefined;
}

/** The span of one HTTP call to a model, with the GenAI semantic conventions. */
export interface ProviderSpan {
  /** The call's answer text, recorded only when the host opted in. */
  text(chunk: string): void;
  finish(
    usage: { inputTokens?: number; outputTokens?: number } | undefined,
    finishReason: string | undefined,
  ): void;
  /** The call failed. */
  fail(error: ErrorInfo): void;
  /** The same provider is tried again after `delayMs`. */
  retrying(delayMs: number): void;
  /** Ends the span; later calls do nothing. */
  end(): void;
}

/**
 * Starts the span of one provider call under `trace.parent` (default: the active context);
 * undefined when nothing would record it.
 */
export function startProviderSpan(
  callTrace: ProviderCallTrace | undefined,
  info: ProviderSpanInfo,
): ProviderSpan | undefined {
  const tracer = callTrace?.tracer ?? trace.getTracer(TRACER_NAME);
  const parent = callTrace?.parent ?? otelContext.active();
  const operation = info.operation ?? 'chat';
  const span = tracer.startSpan(`${operation} ${info.model}`, { kind: SpanKind.CLIENT }, parent);
  if (!span.isRecording()) {
    span.end();
    return undefined;
  }
  const attributes: Attributes = {
    'gen_ai.operation.name': operation,
    'gen_ai.system': info.provider,
    'gen_ai.request.model': info.model,
    'galaxyflow.provider.attempt': info.attempt,
  };
  if (info.fallbackFrom.length > 0)
    attributes['galaxyflow.provider.fallback_from'] = [...info.fallbackFrom];
  if (info.temperature !== undefined) attributes['gen_ai.request.temperature'] = info.temperature;
  if (info.maxTokens !== undefined) attributes['gen_ai.request.max_tokens'] = info.maxTokens;
  span.setAttributes(attributes);
  const record = callTrace?.recordContent === true;
  if (record) {
    if (info.system)
      span.addEvent('gen_ai.system.message', {
        'gen_ai.system': info.provider,
        content: info.system,
      });
    span.addEvent('gen_ai.user.message', {
      'gen_ai.system': info.provider,
      content: info.prompt ?? '',
    });
  }
  let answer = '';
  let ended = false;
  return {
    text(chunk) {
      if (record) answer += chunk;
    },
    finish(usage, finishReason) {
      span.setAttribute('gen_ai.response.model', info.model);
      if (usage?.inputTokens !== undefined)
        span.setAttribute('gen_ai.usage.input_tokens', usage.inputTokens);
      if (usage?.outputTokens !== undefined)
        span.setAttribute('gen_ai.usage.output_tokens', usage.outputTokens);
      if (finishReason) span.setAttribute('gen_ai.response.finish_reasons', [finishReason]);
      if (record)
        span.addEvent('gen_ai.choice', { 'gen_ai.system': info.provider, content: answer });
    },
    fail(error) {
      markFailed(span, error);
    },
    retrying(delayMs) {
      span.setAttribute('galaxyflow.provider.retry_in_ms', delayMs);
    },
    end() {
      if (ended) return;
      ended = true;
      span.end();
    },
  };
}
