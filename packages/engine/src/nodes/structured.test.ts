import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outputPortsOf } from '../defineNode';
import { WorkflowValidationError } from '../errors';
import { llmContext } from '../providers/context';
import { createProvidersFromEnv } from '../providers/env';
import { geminiFromEnv, toGeminiSchema } from '../providers/gemini';
import { groqFromEnv } from '../providers/groq';
import { openaiCompatibleFromEnv } from '../providers/openaiCompatible';
import { createRegistry } from '../registry';
import { runWorkflow, startRun } from '../run';
import { sumRunUsage } from '../runUsage';
import { type LLMStub, startLLMStub } from '../testing/index';
import { builtinNodes } from './index';
import { llmNode } from './llm';

const registry = createRegistry(builtinNodes);
let stub: LLMStub;
beforeAll(async () => {
  stub = await startLLMStub();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

const providers = () =>
  createProvidersFromEnv(
    {
      GEMINI_API_KEY: 'test',
      GEMINI_BASE_URL: stub.url,
      GROQ_API_KEY: 'test',
      GROQ_BASE_URL: stub.url,
      OPENAI_COMPATIBLE_BASE_URL: `${stub.url}/v1`,
    },
    [geminiFromEnv, groqFromEnv, openaiCompatibleFromEnv],
  );

/** A review extractor, as the schema builder writes it. */
const schema = {
  type: 'object',
  properties: {
    title: { type: 'string', description: 'A short headline.' },
    score: { type: 'integer', description: '1 to 5.' },
    tags: { type: 'array' },
  },
  required: ['title', 'score'],
};

/** Review text → LLM with structured output → a Template that uses two of its fields. */
function workflow(llmData: Record<string, unknown>) {
  return {
    nodes: [
      { id: 'review', type: 'text', data: { text: 'Loved it, but the battery is weak.' } },
      {
        id: 'extract',
        type: 'llm',
        data: { prompt: 'Extract: {{input}}', jsonMode: true, jsonSchema: schema, ...llmData },
      },
      { id: 'line', type: 'template', data: { template: '{{title}} ({{score}}/5)' } },
    ],
    edges: [
      {
        id: 'e1',
        source: 'review',
        sourceHandle: 'text',
        target: 'extract',
        targetHandle: 'prompt',
      },
      { id: 'e2', source: 'extract', sourceHandle: 'title', target: 'line', targetHandle: 'title' },
      { id: 'e3', source: 'extract', sourceHandle: 'score', target: 'line', targetHandle: 'score' },
    ],
    settings: { retryPolicy: { backoffMs: 1, jitter: false } },
  };
}

describe('llm node structured output', () => {
  it('derives an output port per top-level property, plus the whole answer on json', () => {
    const ports = outputPortsOf(llmNode, { jsonMode: true, jsonSchema: schema });
    expect(ports).toMatchObject({
      text: { type: 'text' },
      json: { type: 'json' },
      title: { type: 'text', description: 'A short headline.' },
      score: { type: 'json' },
      tags: { type: 'json' },
    });
    // Older workflows kept the schema as JSON text: the same ports.
    expect(
      Object.keys(outputPortsOf(llmNode, { jsonMode: true, jsonSchema: JSON.stringify(schema) })),
    ).toEqual(['text', 'json', 'title', 'score', 'tags']);
    expect(Object.keys(outputPortsOf(llmNode, { jsonMode: false, jsonSchema: schema }))).toEqual([
      'text',
    ]);
  });

  it.each([
    ['gemini', { type: 'json_schema', schema: { type: 'object', required: ['title', 'score'] } }],
    ['openai-compatible', { type: 'json_schema', name: 'answer', schema }],
    ['groq', { type: 'json_object' }],
  ] as const)(
    'asks %s in its native mode and wires the fields into the next node',
    async (provider, format) => {
      stub.enqueue({
        type: 'json',
        value: { title: 'Great, weak battery', score: 4, tags: ['battery'] },
      });
      const result = await runWorkflow(workflow({ provider }), {
        registry,
        context: llmContext({ providers: providers() }),
      });
      expect(result.status).toBe('SUCCESS');
      expect(stub.requests).toHaveLength(1);
      expect(stub.requests[0]?.responseFormat).toMatchObject(format);
      if (provider === 'groq') expect(stub.requests[0]?.system).toContain(JSON.stringify(schema));
      else expect(stub.requests[0]?.system ?? '').not.toContain('JSON Schema');
      expect(result.nodes.extract?.output).toMatchObject({
        json: { title: 'Great, weak battery', score: 4, tags: ['battery'] },
        title: 'Great, weak battery',
        score: 4,
      });
      expect(result.nodes.line?.output).toEqual({ text: 'Great, weak battery (4/5)' });
    },
  );

  it.each(['gemini', 'groq', 'openai-compatible'])(
    'repairs a %s answer that misses the schema by sending the problems back once',
    async (provider) => {
      stub.enqueue({
        type: 'json',
        value: { title: 'Fine', score: 'four' },
        usage: { inputTokens: 10, outputTokens: 5 },
      });
      stub.enqueue({
        type: 'json',
        value: { title: 'Fine', score: 4 },
        usage: { inputTokens: 30, outputTokens: 6 },
      });
      const result = await runWorkflow(workflow({ provider }), {
        registry,
        context: llmContext({ providers: providers() }),
      });
      expect(result.status).toBe('SUCCESS');
      expect(stub.requests).toHaveLength(2);
      const repair = stub.requests[1]!;
      expect(repair.prompt).toContain('Extract: Loved it');
      expect(repair.prompt).toContain('{"title":"Fine","score":"four"}');
      expect(repair.prompt).toMatch(/score: .*expected number, received string/);
      expect(repair.responseFormat.type).toBe(stub.requests[0]!.responseFormat.type);
      expect(result.nodes.extract).toMatchObject({
        status: 'SUCCESS',
        attempts: 1,
        output: { title: 'Fine', score: 4, tags: null },
        meta: { provider, repairs: 1, usage: { inputTokens: 40, outputTokens: 11 } },
      });
      expect(
        result.logs.some(
          (line) => line.level === 'warn' && line.message.includes('asking once more'),
        ),
      ).toBe(true);
    },
  );

  it('counts the answer and its repair in the node’s usage and cost, as the ledger reads them', async () => {
    stub.enqueue(
      { type: 'json', value: { title: 'Fine' }, usage: { inputTokens: 1000, outputTokens: 200 } },
      {
        type: 'json',
        value: { title: 'Fine', score: 4 },
        usage: { inputTokens: 3000, outputTokens: 400 },
      },
    );
    const result = await runWorkflow(workflow({ provider: 'gemini', model: 'gemini-2.5-flash' }), {
      registry,
      context: llmContext({ providers: providers() }),
    });
    expect(result.status).toBe('SUCCESS');
    // 4000 × $0.30/M + 600 × $2.50/M: both calls, not only the repair.
    expect(result.nodes.extract?.meta).toMatchObject({
      repairs: 1,
      usage: { inputTokens: 4000, outputTokens: 600, totalTokens: 4600 },
      costUsd: 0.0027,
    });
    expect(sumRunUsage(result.nodes)).toMatchObject({ inputTokens: 4000, costUsd: 0.0027 });
  });

  it('fails with the problems when the repaired answer still misses the schema, without further calls', async () => {
    stub.enqueue(
      { type: 'json', value: { title: 3 } },
      { type: 'text', text: 'Sorry, here you go: {"title"' },
    );
    const result = await runWorkflow(workflow({ provider: 'gemini' }), {
      registry,
      context: llmContext({ providers: providers() }),
    });
    expect(result.status).toBe('FAILED');
    expect(result.nodes.extract).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      error: { code: 'E_STRUCTURED_OUTPUT_INVALID', retryable: false },
    });
    expect(result.nodes.extract?.error?.message).toContain('not valid JSON');
    expect(result.nodes.extract?.error?.details?.problems).toEqual([
      expect.stringContaining('not valid JSON'),
    ]);
    expect(stub.requests).toHaveLength(2);
    expect(result.nodes.line?.output).toBeUndefined();
  });

  it('JSON mode without a schema repairs an answer that is not JSON', async () => {
    stub.enqueue({ type: 'text', text: 'The title is Fine.' }, { type: 'json', value: ['a', 'b'] });
    const wf = workflow({ provider: 'openai-compatible', jsonSchema: '' });
    wf.nodes = wf.nodes.slice(0, 2);
    wf.edges = wf.edges.slice(0, 1);
    const result = await runWorkflow(wf, {
      registry,
      context: llmContext({ providers: providers() }),
    });
    expect(result.nodes.extract?.output).toEqual({ text: '["a","b"]', json: ['a', 'b'] });
    expect(stub.requests.map((r) => r.responseFormat)).toEqual([
      { type: 'json_object' },
      { type: 'json_object' },
    ]);
  });

  it('refuses a property that would hide the text or json output, and an unusable schema, before running', () => {
    const shadow = workflow({
      jsonSchema: { type: 'object', properties: { text: { type: 'string' } } },
    });
    expect(() => startRun(shadow, { registry })).toThrow(/would hide the node's own text output/);
    const bogus = workflow({ jsonSchema: { type: 'bogus' } });
    expect(() => startRun(bogus, { registry })).toThrow(WorkflowValidationError);
  });

  it('sends Gemini only what its schema dialect knows, keeping enums and nullability', () => {
    expect(
      toGeminiSchema({
        type: 'object',
        additionalProperties: false,
        properties: {
          mood: { type: 'string', enum: ['happy', 'sad'], pattern: '^h' },
          note: { type: ['string', 'null'] },
          any: {},
          empty: { type: 'object' },
        },
        required: ['mood', 'any'],
      }),
    ).toEqual({
      type: 'object',
      properties: {
        mood: { type: 'string', format: 'enum', enum: ['happy', 'sad'] },
        note: { type: 'string', nullable: true },
      },
      required: ['mood'],
    });
  });
});
