import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outputPortsOf } from '../defineNode';
import { WorkflowValidationError } from '../errors';
import { createProvidersFromEnv } from '../providers/env';
import { geminiFromEnv } from '../providers/gemini';
import { groqFromEnv } from '../providers/groq';
import { llmContext } from '../providers/context';
import { createRegistry } from '../registry';
import { runWorkflow, startRun } from '../run';
import { type LLMStub, startLLMStub } from '../testing/index';
import type { RunEvent } from '../types';
import { builtinNodes } from './index';
import { fillPrompt, llmNode } from './llm';

const registry = createRegistry(builtinNodes);
let stub: LLMStub;
beforeAll(async () => {
  stub = await startLLMStub();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

function env(extra: Record<string, string> = {}) {
  return { GEMINI_API_KEY: 'test', GEMINI_BASE_URL: stub.url, GROQ_API_KEY: 'test', GROQ_BASE_URL: stub.url, ...extra };
}

function workflow(llmData: Record<string, unknown>, extraNodes: { id: string; type: string; data: Record<string, unknown> }[] = [], extraEdges: { id: string; source: string; sourceHandle: string; target: string; targetHandle: string }[] = []) {
  return {
    nodes: [
      { id: 'question', type: 'text', data: { text: 'Why is the sky blue?' } },
      { id: 'ask', type: 'llm', data: llmData },
      ...extraNodes,
    ],
    edges: [{ id: 'e1', source: 'question', sourceHandle: 'text', target: 'ask', targetHandle: 'prompt' }, ...extraEdges],
    settings: { retryPolicy: { backoffMs: 1, jitter: false } },
  };
}

describe('llm node in a workflow', () => {
  it('streams the answer as node:delta events in order and outputs the full text', async () => {
    stub.enqueue({ type: 'text', chunks: ['Rayleigh ', 'scattering ', 'of ', 'sunlight.'] });
    const events: RunEvent[] = [];
    const result = await runWorkflow(workflow({ provider: 'gemini', model: 'gemini-2.5-flash' }), {
      registry,
      context: llmContext({ providers: createProvidersFromEnv(env(), [geminiFromEnv, groqFromEnv]) }),
      onEvent: (e) => events.push(e),
    });
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.ask?.output).toEqual({ text: 'Rayleigh scattering of sunlight.' });
    const deltas = events.flatMap((e) => (e.type === 'node:delta' && e.nodeId === 'ask' ? [e.delta] : []));
    expect(deltas).toEqual(['Rayleigh ', 'scattering ', 'of ', 'sunlight.']);
    const finish = events.findIndex((e) => e.type === 'node:finish' && e.nodeId === 'ask');
    expect(events.findLastIndex((e) => e.type === 'node:delta')).toBeLessThan(finish);
    expect(stub.requests[0]).toMatchObject({ api: 'gemini', model: 'gemini-2.5-flash', prompt: 'Why is the sky blue?' });
    expect(result.logs.find((l) => l.message.startsWith('Answered by'))?.data).toMatchObject({ provider: 'gemini', model: 'gemini-2.5-flash' });
  });

  it('fails with the variable to set when no provider is configured', async () => {
    const result = await runWorkflow(workflow({ provider: 'groq' }), { registry });
    expect(result.status).toBe('FAILED');
    expect(result.nodes.ask?.error).toMatchObject({ code: 'E_PROVIDER_NOT_CONFIGURED', nodeId: 'ask', retryable: false });
    expect(result.nodes.ask?.error?.message).toContain('GROQ_API_KEY is not set');
    expect(result.nodes.ask?.attempts).toBe(1);
  });

  it('fails with the variable to set when the host configured other providers only', async () => {
    const providers = createProvidersFromEnv({ GROQ_API_KEY: 'x', GROQ_BASE_URL: stub.url }, [geminiFromEnv, groqFromEnv]);
    const result = await runWorkflow(workflow({ provider: 'gemini' }), { registry, context: llmContext({ providers }) });
    expect(result.nodes.ask?.error?.message).toMatch(/GEMINI_API_KEY is not set.*Configured: groq/);
  });

  it('fills the prompt template, system prompt and context inputs', async () => {
    const result = await runWorkflow(
      workflow(
        { provider: 'groq', prompt: 'Answer in one line: {{input}}', system: 'Be terse.' },
        [{ id: 'facts', type: 'text', data: { text: 'Light scatters.' } }, { id: 'tone', type: 'text', data: { text: 'Speak like a pirate.' } }],
        [
          { id: 'e2', source: 'facts', sourceHandle: 'text', target: 'ask', targetHandle: 'context' },
          { id: 'e3', source: 'tone', sourceHandle: 'text', target: 'ask', targetHandle: 'system' },
        ],
      ),
      { registry, context: llmContext({ providers: createProvidersFromEnv(env(), [geminiFromEnv, groqFromEnv]) }) },
    );
    expect(result.status).toBe('SUCCESS');
    expect(stub.requests[0]?.prompt).toBe('Answer in one line: Why is the sky blue?\n\nContext:\nLight scatters.');
    expect(stub.requests[0]?.system).toBe('Be terse.\n\nSpeak like a pirate.');
    expect(stub.requests[0]?.model).toBe('llama-3.3-70b-versatile');
  });

  it('records the fallback provider that answered', async () => {
    stub.enqueue({ type: 'error', status: 503, match: { api: 'gemini' } }, { type: 'text', text: 'Groq here.', match: { api: 'groq' } });
    const providers = createProvidersFromEnv(env({ LLM_FALLBACK: 'gemini,groq' }), [geminiFromEnv, groqFromEnv], { resilience: { retry: { maxAttempts: 1 } } });
    const result = await runWorkflow(workflow({ provider: 'gemini' }), { registry, context: llmContext({ providers }) });
    expect(result.nodes.ask?.output).toEqual({ text: 'Groq here.' });
    const answered = result.logs.find((l) => l.nodeId === 'ask' && l.message.startsWith('Answered by'));
    expect(answered?.message).toBe('Answered by groq (llama-3.3-70b-versatile) after gemini failed.');
    expect(answered?.data).toMatchObject({ provider: 'groq', fallbackFrom: ['gemini'] });
  });

  it('records which provider and model answered, with usage and the fallbacks, on the node result', async () => {
    stub.enqueue(
      { type: 'error', status: 503, message: 'Overloaded', match: { api: 'gemini' } },
      { type: 'text', text: 'Groq here.', usage: { inputTokens: 5, outputTokens: 2 }, match: { api: 'groq' } },
    );
    const providers = createProvidersFromEnv(env({ LLM_FALLBACK: 'gemini,groq' }), [geminiFromEnv, groqFromEnv], { resilience: { retry: { maxAttempts: 1 } } });
    const finishes: RunEvent[] = [];
    const result = await runWorkflow(workflow({ provider: 'gemini' }), {
      registry,
      context: llmContext({ providers }),
      onEvent: (e) => e.type === 'node:finish' && e.nodeId === 'ask' && finishes.push(e),
    });
    const meta = {
      provider: 'groq',
      model: 'llama-3.3-70b-versatile',
      attempts: 1,
      usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 },
      // 5 × $0.59/M + 2 × $0.79/M, at the shipped price table.
      costUsd: 0.00000453,
      finishReason: 'stop',
      fallbacks: [{ provider: 'gemini', model: 'gemini-2.5-flash', attempts: 1, code: 'E_PROVIDER_UNAVAILABLE', message: expect.stringContaining('Overloaded') }],
    };
    expect(result.nodes.ask?.meta).toEqual(meta);
    expect(finishes).toEqual([expect.objectContaining({ result: expect.objectContaining({ meta }) })]);
    // Plain JSON, as the store and the SSE stream keep it.
    expect(JSON.parse(JSON.stringify(result.nodes.ask))).toEqual(result.nodes.ask);
  });

  it.each([
    ['the default retry policy', {}],
    ['a node policy of one attempt', { retryPolicy: { maxAttempts: 1 } }],
  ])('with %s, a steady 500 costs one set of provider retries and shows the provider’s error, not an open circuit', async (_, extra) => {
    for (let i = 0; i < 12; i++) stub.enqueue({ type: 'error', status: 500, message: 'Backend on fire' });
    // Default attempts and breaker; only the waits are shortened.
    const providers = createProvidersFromEnv(env(), [geminiFromEnv, groqFromEnv], { resilience: { retry: { backoffMs: 1, jitter: false } } });
    const events: RunEvent[] = [];
    const result = await runWorkflow(workflow({ provider: 'gemini', ...extra }), { registry, context: llmContext({ providers }), onEvent: (e) => events.push(e) });
    expect(result.nodes.ask).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'E_PROVIDER_UNAVAILABLE', retryable: false } });
    expect(result.nodes.ask?.error?.message).toContain('HTTP 500');
    expect(result.nodes.ask?.error?.message).toContain('Backend on fire');
    expect(result.nodes.ask?.error?.details).toMatchObject({ status: 500, provider: 'gemini' });
    expect(stub.requests).toHaveLength(3);
    expect(providers.circuitState('gemini')).toBe('closed');
    // The provider's retries are in the node's log; the scheduler did not retry on top of them.
    expect(events.filter((e) => e.type === 'node:retry')).toEqual([]);
    const warnings = result.logs.filter((l) => l.nodeId === 'ask' && l.level === 'warn').map((l) => l.message);
    expect(warnings).toEqual([expect.stringMatching(/^gemini attempt 1 failed .*retrying/), expect.stringMatching(/^gemini attempt 2 failed .*retrying/)]);
  });

  it('fails at once, saying when Groq takes requests again, on a Retry-After longer than it will wait', async () => {
    stub.enqueue({ type: 'error', status: 429, retryAfter: 3600 });
    const providers = createProvidersFromEnv(env(), [geminiFromEnv, groqFromEnv], { now: () => Date.UTC(2030, 0, 1, 12, 0, 0) });
    const events: RunEvent[] = [];
    const started = Date.now();
    const result = await runWorkflow(workflow({ provider: 'groq' }), { registry, context: llmContext({ providers }), onEvent: (e) => events.push(e) });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.nodes.ask).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'E_PROVIDER_RATE_LIMIT', retryable: false } });
    expect(result.nodes.ask?.error?.message).toContain('2030-01-01T13:00:00.000Z');
    expect(events.filter((e) => e.type === 'node:retry')).toEqual([]);
    expect(stub.requests).toHaveLength(1);
  });

  it.each(['gemini', 'groq'])('fails a %s answer whose stream was cut off, instead of passing on half an answer', async (provider) => {
    stub.enqueue({ type: 'truncate', chunks: ['The answer is'] });
    const result = await runWorkflow(workflow({ provider }), { registry, context: llmContext({ providers: createProvidersFromEnv(env(), [geminiFromEnv, groqFromEnv]) }) });
    expect(result.status).toBe('FAILED');
    expect(result.nodes.ask).toMatchObject({ status: 'FAILED', error: { code: 'E_PROVIDER_RESPONSE' } });
    expect(result.nodes.ask?.error?.message).toMatch(/ended .*before the answer was complete/);
    expect(result.nodes.ask?.output).toBeUndefined();
  });

  it('cancels the provider request when the run is canceled', async () => {
    stub.enqueue({ type: 'text', chunks: ['one ', 'two ', 'three'], chunkDelayMs: 300 });
    const handle = startRun(workflow({ provider: 'gemini' }), {
      registry,
      context: llmContext({ providers: createProvidersFromEnv(env(), [geminiFromEnv, groqFromEnv]) }),
    });
    handle.events.on('node:delta', () => handle.cancel('User pressed stop.'));
    const result = await handle.result;
    expect(result.status).toBe('CANCELED');
    expect(result.nodes.ask?.status).toBe('CANCELED');
    expect((await stub.waitForClientAbort(1_000)).api).toBe('gemini');
  });

  it('ends the provider request when the node times out', async () => {
    stub.enqueue({ type: 'hang' });
    const wf = workflow({ provider: 'groq', timeoutMs: 150, retryPolicy: { maxAttempts: 1 } });
    const result = await runWorkflow(wf, { registry, context: llmContext({ providers: createProvidersFromEnv(env(), [geminiFromEnv, groqFromEnv]) }) });
    expect(result.nodes.ask?.error?.code).toBe('E_TIMEOUT');
    expect((await stub.waitForClientAbort(1_000)).api).toBe('groq');
  });
});

describe('llm node JSON mode', () => {
  const providers = () => createProvidersFromEnv(env(), [geminiFromEnv, groqFromEnv]);
  const schema = JSON.stringify({ type: 'object', properties: { title: { type: 'string' } }, required: ['title'] });

  it('adds a json output and parses a fenced answer that matches the schema', async () => {
    stub.enqueue({ type: 'text', text: '```json\n{"title": "Blue sky"}\n```' });
    const result = await runWorkflow(workflow({ provider: 'groq', jsonMode: true, jsonSchema: schema }), { registry, context: llmContext({ providers: providers() }) });
    expect(result.nodes.ask?.output?.json).toEqual({ title: 'Blue sky' });
    expect(stub.requests[0]?.body).toMatchObject({ response_format: { type: 'json_object' } });
    expect(stub.requests[0]?.system).toContain('"required":["title"]');
    expect(Object.keys(outputPortsOf(llmNode, { jsonMode: true }))).toEqual(['text', 'json']);
    expect(Object.keys(outputPortsOf(llmNode, { jsonMode: false }))).toEqual(['text']);
  });

  it('asks once more with the problems, then fails with them, when the answer does not match', async () => {
    stub.enqueue({ type: 'text', text: '{"name": 1}' }, { type: 'text', text: 'not json' });
    const wf = workflow({ provider: 'gemini', jsonMode: true, jsonSchema: schema, retryPolicy: { maxAttempts: 2 } });
    const result = await runWorkflow(wf, { registry, context: llmContext({ providers: providers() }) });
    // The repair request is the retry: the node's own retry policy adds no calls.
    expect(result.nodes.ask).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(result.nodes.ask?.error).toMatchObject({ code: 'E_STRUCTURED_OUTPUT_INVALID', retryable: false });
    expect(result.nodes.ask?.error?.message).toContain('not valid JSON');
    expect(stub.requests).toHaveLength(2);
    expect(stub.requests[1]?.prompt).toContain('title');
  });

  it('rejects an unusable JSON Schema before the run starts', () => {
    expect(() => startRun(workflow({ jsonMode: true, jsonSchema: '{"type": "bogus"}' }), { registry })).toThrow(WorkflowValidationError);
  });
});

describe('fillPrompt', () => {
  it('appends inputs the template does not mention, so an edge is never ignored', () => {
    expect(fillPrompt('Summarize.', 'A long text.')).toBe('Summarize.\n\nA long text.');
    expect(fillPrompt('{{input}}', 'Q', [{ a: 1 }, 'B'])).toBe('Q\n\nContext:\n{\n  "a": 1\n}\n\nB');
    expect(fillPrompt('Use {{context}} for {{input}}', 'Q', ['C'])).toBe('Use C for Q');
  });
});
