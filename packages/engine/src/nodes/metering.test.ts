import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GalaxyError } from '../errors';
import type { ModelCallEstimate, ModelCallSpend } from '../providers/budget';
import { llmContext } from '../providers/context';
import { createProvidersFromEnv } from '../providers/env';
import { geminiFromEnv } from '../providers/gemini';
import { groqFromEnv } from '../providers/groq';
import { defaultPriceTable, mergePriceTables, priceOf } from '../providers/pricing';
import { createRegistry } from '../registry';
import { runWorkflow } from '../run';
import { sumRunUsage } from '../runUsage';
import { type LLMStub, startLLMStub } from '../testing/index';
import type { RunContext } from '../types';
import { builtinNodes } from './index';

const registry = createRegistry(builtinNodes);
let stub: LLMStub;
beforeAll(async () => {
  stub = await startLLMStub();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

function providers() {
  return createProvidersFromEnv(
    { GEMINI_API_KEY: 'k', GEMINI_BASE_URL: stub.url, GROQ_API_KEY: 'k', GROQ_BASE_URL: stub.url },
    [geminiFromEnv, groqFromEnv],
  );
}

function twoAsks(data: Record<string, unknown>) {
  return {
    nodes: [
      { id: 'q', type: 'text', data: { text: 'Why is the sky blue?' } },
      { id: 'a', type: 'llm', data },
      { id: 'b', type: 'llm', data },
    ],
    edges: [
      { id: 'e1', source: 'q', sourceHandle: 'text', target: 'a', targetHandle: 'prompt' },
      { id: 'e2', source: 'q', sourceHandle: 'text', target: 'b', targetHandle: 'prompt' },
    ],
  };
}

async function run(data: Record<string, unknown>, context: RunContext = {}) {
  return runWorkflow(twoAsks(data), {
    registry,
    context: llmContext({ providers: providers() }, context),
  });
}

describe('token and cost metering of model calls', () => {
  it('records the provider’s token counts and their price from the shipped table', async () => {
    stub.enqueue(
      { type: 'text', text: 'Rayleigh.', usage: { inputTokens: 1000, outputTokens: 200 } },
      { type: 'text', text: 'Rayleigh.', usage: { inputTokens: 1000, outputTokens: 200 } },
    );
    const result = await run({ provider: 'gemini', model: 'gemini-2.5-flash' });
    expect(result.status).toBe('SUCCESS');
    // 1000 × $0.30/M + 200 × $2.50/M
    expect(result.nodes.a?.meta).toMatchObject({
      usage: { inputTokens: 1000, outputTokens: 200, totalTokens: 1200 },
      costUsd: 0.0008,
    });
    expect(result.nodes.a?.meta?.usage?.estimated).toBeUndefined();
    expect(sumRunUsage(result.nodes)).toEqual({
      inputTokens: 2000,
      outputTokens: 400,
      costUsd: 0.0016,
      calls: 2,
      estimated: false,
      models: [{ provider: 'gemini', model: 'gemini-2.5-flash' }],
    });
  });

  it('estimates the counts, flagged as such, when the provider reports none', async () => {
    // An OpenAI-style stream that ends without a usage chunk, as some servers send.
    const sse = (text: string) => ({
      type: 'raw' as const,
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: [
        {
          id: 'c',
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta: { content: text } }],
        },
        {
          id: 'c',
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
        },
      ]
        .map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`)
        .join('')
        .concat('data: [DONE]\n\n'),
    });
    stub.enqueue(sse('Because of Rayleigh scattering.'), sse('Hm.'));
    const result = await run({ provider: 'groq', model: 'llama-3.1-8b-instant' });
    const usage = result.nodes.a?.meta?.usage;
    expect(usage?.estimated).toBe(true);
    // "Why is the sky blue?" is 20 characters: 5 tokens at four characters a token.
    expect(usage?.inputTokens).toBe(5);
    // "Because of Rayleigh scattering." is 31 characters: 8 tokens.
    expect(usage?.outputTokens).toBe(8);
    expect(result.nodes.a?.meta?.costUsd).toBeGreaterThan(0);
    expect(sumRunUsage(result.nodes).estimated).toBe(true);
  });

  it('prices calls with the host’s table, and leaves unknown models unpriced', async () => {
    const prices = mergePriceTables(defaultPriceTable, {
      asOf: '2026-12-01',
      models: { groq: { 'llama-3.1-8b-instant': { inputPerMillion: 10, outputPerMillion: 20 } } },
    });
    stub.enqueue({ type: 'text', text: 'x', usage: { inputTokens: 100, outputTokens: 50 } });
    stub.enqueue({ type: 'text', text: 'x', usage: { inputTokens: 100, outputTokens: 50 } });
    const priced = await run({ provider: 'groq', model: 'llama-3.1-8b-instant' }, { prices });
    expect(priced.nodes.a?.meta?.costUsd).toBe(0.002);
    stub.enqueue({ type: 'text', text: 'x', usage: { inputTokens: 100, outputTokens: 50 } });
    stub.enqueue({ type: 'text', text: 'x', usage: { inputTokens: 100, outputTokens: 50 } });
    const unpriced = await run({ provider: 'groq', model: 'my-own-finetune' });
    expect(unpriced.nodes.a?.meta?.usage?.inputTokens).toBe(100);
    expect(unpriced.nodes.a?.meta?.costUsd).toBeUndefined();
  });

  it('looks up dated model ids under their family, and OpenAI-compatible ids under OpenAI', () => {
    expect(priceOf(defaultPriceTable, 'gemini', 'gemini-2.5-flash-lite-001')?.inputPerMillion).toBe(
      0.1,
    );
    expect(
      priceOf(defaultPriceTable, 'openai-compatible', 'gpt-4o-mini-2024-07-18')?.outputPerMillion,
    ).toBe(0.6);
    expect(priceOf(defaultPriceTable, 'openai-compatible', 'llama3.2')).toBeUndefined();
    expect(defaultPriceTable.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('the run context’s budget', () => {
  it('refuses a call before any request is made, and the run follows its failure mode', async () => {
    const budget = {
      reserve() {
        throw new GalaxyError(
          'E_BUDGET_EXCEEDED',
          'The daily token limit of 1,000 is reached; it resets at 2026-12-06T00:00:00.000Z.',
          { details: { limit: 'daily-tokens', resetsAt: 1_796_515_200_000 } },
        );
      },
    };
    const failFast = await run({ provider: 'gemini' }, { budget });
    expect(failFast.status).toBe('FAILED');
    expect(failFast.error).toMatchObject({ code: 'E_BUDGET_EXCEEDED', retryable: false });
    expect(failFast.error?.message).toContain('daily token limit');
    expect(stub.requests).toHaveLength(0);

    const failSafe = await runWorkflow(
      { ...twoAsks({ provider: 'gemini' }), settings: { failureMode: 'fail_safe' } },
      { registry, context: llmContext({ providers: providers() }, { budget }) },
    );
    expect(failSafe.nodes.a?.status).toBe('FAILED');
    expect(failSafe.nodes.b?.error?.code).toBe('E_BUDGET_EXCEEDED');
    expect(failSafe.nodes.q?.status).toBe('SUCCESS');
    expect(stub.requests).toHaveLength(0);
  });

  it('holds the call’s estimate while it runs and settles with what it used', async () => {
    const reserved: ModelCallEstimate[] = [];
    const settled: (ModelCallSpend | undefined)[] = [];
    const budget = {
      reserve(call: ModelCallEstimate) {
        reserved.push(call);
        return { settle: (spent: ModelCallSpend | undefined) => settled.push(spent) };
      },
    };
    stub.enqueue({ type: 'text', text: 'ok', usage: { inputTokens: 7, outputTokens: 3 } });
    stub.enqueue({ type: 'error', status: 400, message: 'bad' });
    const result = await runWorkflow(
      {
        ...twoAsks({ provider: 'gemini', model: 'gemini-2.5-pro', maxTokens: 100 }),
        settings: { failureMode: 'fail_safe', concurrency: 1 },
      },
      { registry, context: llmContext({ providers: providers() }, { budget }) },
    );
    expect(result.status).toBe('PARTIAL');
    expect(reserved).toHaveLength(2);
    // 5 input tokens × $1.25/M + 100 output × $10/M
    expect(reserved[0]).toEqual({
      nodeId: 'a',
      provider: 'gemini',
      model: 'gemini-2.5-pro',
      inputTokens: 5,
      maxOutputTokens: 100,
      maxCostUsd: 0.00100625,
    });
    expect(settled[0]).toEqual({
      provider: 'gemini',
      model: 'gemini-2.5-pro',
      inputTokens: 7,
      outputTokens: 3,
      costUsd: 0.00003875,
      estimated: false,
    });
    // The failed call gives its place back.
    expect(settled[1]).toBeUndefined();
    expect(settled).toHaveLength(2);
  });
});
