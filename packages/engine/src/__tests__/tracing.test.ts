import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { builtinNodes } from '../nodes/index';
import { llmContext } from '../providers/context';
import { createProvidersFromEnv } from '../providers/env';
import { geminiFromEnv } from '../providers/gemini';
import { groqFromEnv } from '../providers/groq';
import { createRegistry } from '../registry';
import { runWorkflow } from '../run';
import { type LLMStub, startLLMStub } from '../testing/index';

const registry = createRegistry(builtinNodes);
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let stub: LLMStub;

beforeAll(async () => {
  trace.setGlobalTracerProvider(provider);
  stub = await startLLMStub();
});
afterAll(async () => {
  trace.disable();
  await stub.close();
});
beforeEach(() => {
  exporter.reset();
  stub.reset();
});

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function workflow(llmData: Record<string, unknown>) {
  return {
    nodes: [
      { id: 'question', type: 'text', data: { text: 'Why is the sky blue?' } },
      { id: 'ask', type: 'llm', data: llmData },
    ],
    edges: [
      { id: 'e1', source: 'question', sourceHandle: 'text', target: 'ask', targetHandle: 'prompt' },
    ],
    settings: { retryPolicy: { maxAttempts: 1 } },
  };
}

/** Gemini answers 503 twice (one retry), then the call falls back to Groq, which answers. */
function providersWithOneRetryAndOneFallback() {
  stub.enqueue(
    { type: 'error', status: 503, match: { api: 'gemini' } },
    { type: 'error', status: 503, match: { api: 'gemini' } },
    {
      type: 'text',
      text: 'Rayleigh scattering.',
      usage: { inputTokens: 7, outputTokens: 3 },
      match: { api: 'groq' },
    },
  );
  const env = {
    GEMINI_API_KEY: 'k',
    GEMINI_BASE_URL: stub.url,
    GROQ_API_KEY: 'k',
    GROQ_BASE_URL: stub.url,
    LLM_FALLBACK: 'gemini,groq',
  };
  return createProvidersFromEnv(env, [geminiFromEnv, groqFromEnv], {
    resilience: { retry: { maxAttempts: 2, backoffMs: 1, jitter: false } },
  });
}

const childrenOf = (spans: readonly ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

describe('OpenTelemetry spans of a run', () => {
  it('nests provider calls (a retry and a fallback) under node attempts under the run, under the caller', async () => {
    const result = await runWorkflow(workflow({ provider: 'gemini', model: 'gemini-2.5-flash' }), {
      registry,
      runId: 'run-1',
      context: llmContext({ providers: providersWithOneRetryAndOneFallback() }),
      trace: { parent: CALLER, workflowId: 'wf-1' },
    });
    expect(result.status).toBe('SUCCESS');
    const spans = exporter.getFinishedSpans();
    const run = spans.find((s) => s.name === 'galaxyflow.run')!;
    expect(run.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(run.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(run.attributes).toMatchObject({
      'galaxyflow.run.id': 'run-1',
      'galaxyflow.workflow.id': 'wf-1',
      'galaxyflow.run.status': 'SUCCESS',
    });

    const nodes = childrenOf(spans, run);
    expect(nodes.map((s) => [s.name, s.attributes['galaxyflow.node.id']]).sort()).toEqual([
      ['galaxyflow.node', 'ask'],
      ['galaxyflow.node', 'question'],
    ]);
    const ask = nodes.find((s) => s.attributes['galaxyflow.node.id'] === 'ask')!;
    expect(ask.attributes).toMatchObject({
      'galaxyflow.run.id': 'run-1',
      'galaxyflow.workflow.id': 'wf-1',
      'galaxyflow.node.type': 'llm',
      'galaxyflow.node.attempt': 1,
    });
    expect(
      ask.events.find((e) => e.name === 'galaxyflow.provider.fallback')?.attributes,
    ).toMatchObject({ 'galaxyflow.provider.from': 'gemini', 'galaxyflow.provider.to': 'groq' });

    const calls = childrenOf(spans, ask).sort(
      (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1],
    );
    expect(
      calls.map((s) => [
        s.name,
        s.attributes['gen_ai.system'],
        s.attributes['galaxyflow.provider.attempt'],
        s.status.code,
      ]),
    ).toEqual([
      ['chat gemini-2.5-flash', 'gemini', 1, SpanStatusCode.ERROR],
      ['chat gemini-2.5-flash', 'gemini', 2, SpanStatusCode.ERROR],
      ['chat llama-3.3-70b-versatile', 'groq', 1, SpanStatusCode.UNSET],
    ]);
    expect(calls[0]!.attributes).toMatchObject({
      'error.type': 'E_PROVIDER_UNAVAILABLE',
      'galaxyflow.provider.retry_in_ms': 1,
    });
    expect(calls[2]!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'llama-3.3-70b-versatile',
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.finish_reasons': ['stop'],
      'galaxyflow.provider.fallback_from': ['gemini'],
    });
    // Prompts and answers stay out of traces unless the host opts in.
    expect(calls.flatMap((s) => s.events.map((e) => e.name))).toEqual([]);
    expect(JSON.stringify(spans.map((s) => [s.attributes, s.events]))).not.toContain('sky');
  });

  it('records the prompt and the answer when the host opts in', async () => {
    stub.enqueue({ type: 'text', text: 'Blue light scatters.', match: { api: 'gemini' } });
    const providers = createProvidersFromEnv({ GEMINI_API_KEY: 'k', GEMINI_BASE_URL: stub.url }, [
      geminiFromEnv,
    ]);
    await runWorkflow(workflow({ provider: 'gemini' }), {
      registry,
      context: llmContext({ providers }),
      trace: { recordContent: true },
    });
    const call = exporter.getFinishedSpans().find((s) => s.name.startsWith('chat '))!;
    expect(call.events.map((e) => [e.name, e.attributes?.content])).toEqual([
      ['gen_ai.user.message', 'Why is the sky blue?'],
      ['gen_ai.choice', 'Blue light scatters.'],
    ]);
  });

  it('marks a failed node attempt and its run with status ERROR and the error code', async () => {
    stub.enqueue({ type: 'error', status: 400, message: 'Bad prompt', match: { api: 'gemini' } });
    const providers = createProvidersFromEnv({ GEMINI_API_KEY: 'k', GEMINI_BASE_URL: stub.url }, [
      geminiFromEnv,
    ]);
    const result = await runWorkflow(workflow({ provider: 'gemini' }), {
      registry,
      context: llmContext({ providers }),
    });
    expect(result.status).toBe('FAILED');
    const spans = exporter.getFinishedSpans();
    const ask = spans.find((s) => s.attributes['galaxyflow.node.id'] === 'ask')!;
    const run = spans.find((s) => s.name === 'galaxyflow.run')!;
    expect(ask.status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(ask.attributes['error.type']).toBe(result.nodes.ask?.error?.code);
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    expect(run.attributes['galaxyflow.run.status']).toBe('FAILED');
  });

  it('traces an image generation call under the image-gen node, without its prompt', async () => {
    const providers = createProvidersFromEnv({ GEMINI_API_KEY: 'k', GEMINI_BASE_URL: stub.url }, [
      geminiFromEnv,
    ]);
    const result = await runWorkflow(
      {
        nodes: [
          {
            id: 'draw',
            type: 'image-gen',
            data: { provider: 'gemini', prompt: 'a secret lighthouse' },
          },
        ],
        edges: [],
      },
      { registry, context: llmContext({ providers }) },
    );
    expect(result.status).toBe('SUCCESS');
    const spans = exporter.getFinishedSpans();
    const draw = spans.find((s) => s.attributes['galaxyflow.node.id'] === 'draw')!;
    const calls = childrenOf(spans, draw);
    expect(
      calls.map((s) => [s.attributes['gen_ai.operation.name'], s.attributes['gen_ai.system']]),
    ).toEqual([['generate_content', 'gemini']]);
    expect(calls[0]!.name).toMatch(/^generate_content /);
    expect(JSON.stringify(spans.map((s) => [s.attributes, s.events]))).not.toContain('lighthouse');
  });

  it('traces a sub-workflow and each Map item as runs under the node attempt that started them', async () => {
    // A saved child: Input `topic` → Template → Output `summary`.
    const child = {
      nodes: [
        { id: 'in', type: 'input', data: { name: 'topic', valueType: 'text' } },
        { id: 't', type: 'template', data: { template: 'About {{topic}}' } },
        { id: 'out', type: 'output', data: { name: 'summary', valueType: 'text' } },
      ],
      edges: [
        { id: 'e1', source: 'in', sourceHandle: 'value', target: 't', targetHandle: 'topic' },
        { id: 'e2', source: 't', sourceHandle: 'text', target: 'out', targetHandle: 'value' },
      ],
    };
    const ports = {
      inputs: [{ name: 'topic', type: 'text' }],
      outputs: [{ name: 'summary', type: 'text' }],
    };
    const result = await runWorkflow(
      {
        nodes: [
          { id: 'src', type: 'text', data: { text: 'owls' } },
          { id: 'sub', type: 'workflow', data: { workflowId: 'child', version: 3, ...ports } },
          { id: 'list', type: 'input', data: { name: 'topics', default: ['a', 'b'] } },
          { id: 'each', type: 'map', data: { mode: 'workflow', workflowId: 'child', version: 3 } },
        ],
        edges: [
          { id: 'e1', source: 'src', sourceHandle: 'text', target: 'sub', targetHandle: 'topic' },
          { id: 'e2', source: 'list', sourceHandle: 'value', target: 'each', targetHandle: 'items' },
        ],
      },
      {
        registry,
        context: { loadWorkflow: async ({ workflowId }) => (workflowId === 'child' ? child : undefined) },
        trace: { parent: CALLER, workflowId: 'parent-wf' },
      },
    );
    expect(result.status).toBe('SUCCESS');
    const spans = exporter.getFinishedSpans();
    const runs = spans.filter((s) => s.name === 'galaxyflow.run');
    const top = runs.find((s) => s.attributes['galaxyflow.run.id'] === result.runId)!;
    const nodeSpan = (id: string) =>
      spans.find(
        (s) => s.attributes['galaxyflow.node.id'] === id && s.attributes['galaxyflow.run.id'] === result.runId,
      )!;
    // The sub-workflow's run is a child of the Workflow node's span, one trace with the caller's.
    const subRuns = childrenOf(spans, nodeSpan('sub'));
    expect(subRuns.map((s) => [s.name, s.attributes['galaxyflow.run.id'], s.attributes['galaxyflow.workflow.id']])).toEqual([
      ['galaxyflow.run', `${result.runId}/sub`, 'child'],
    ]);
    expect(childrenOf(spans, subRuns[0]!).map((s) => s.attributes['galaxyflow.node.id']).sort()).toEqual(['in', 'out', 't']);
    // Each Map item is a run of its own under the Map node's span.
    const itemRuns = childrenOf(spans, nodeSpan('each'));
    expect(itemRuns.map((s) => s.attributes['galaxyflow.run.id']).sort()).toEqual([
      `${result.runId}/each/0`,
      `${result.runId}/each/1`,
    ]);
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([CALLER.split('-')[1]]));
    expect(top.parentSpanContext?.spanId).toBe(CALLER.split('-')[2]);
  });

  it('does not trace the children of a run the sampler left out', async () => {
    // The caller's trace is not sampled (flags 00): neither the run nor its sub-workflow records.
    const unsampled = CALLER.replace(/-01$/, '-00');
    const sdk = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const result = await runWorkflow(
      {
        nodes: [{ id: 'sub', type: 'workflow', data: { workflowId: 'child', version: 1, inputs: [], outputs: [] } }],
        edges: [],
      },
      {
        registry,
        context: { loadWorkflow: async () => ({ nodes: [{ id: 't', type: 'text', data: { text: 'x' } }], edges: [] }) },
        trace: { parent: unsampled, tracer: sdk.getTracer('test') },
      },
    );
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.sub?.meta?.child).toMatchObject({ status: 'SUCCESS' });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

