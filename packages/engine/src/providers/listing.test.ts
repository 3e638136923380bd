import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { builtinNodes } from '../nodes/index';
import { createRegistry } from '../registry';
import { runWorkflow } from '../run';
import { type LLMStub, startLLMStub } from '../testing/index';
import { llmContext } from './context';
import { createProvidersFromEnv } from './env';
import { geminiFromEnv } from './gemini';
import { groqFromEnv } from './groq';
import { describeProviders, ProviderListSchema, providerIssues } from './listing';
import { openaiCompatibleFromEnv } from './openaiCompatible';

const registry = createRegistry(builtinNodes);
const factories = [geminiFromEnv, groqFromEnv, openaiCompatibleFromEnv];
let stub: LLMStub;
beforeAll(async () => {
  stub = await startLLMStub();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

function localOnly() {
  return createProvidersFromEnv(
    { OPENAI_COMPATIBLE_BASE_URL: `${stub.url}/v1`, OPENAI_COMPATIBLE_API_KEY: 'sk-local-secret' },
    factories,
  );
}

const ask = (data: Record<string, unknown>) => ({
  nodes: [
    { id: 'question', type: 'text', data: { text: 'Why is the sky blue?' } },
    { id: 'ask', type: 'llm', data },
  ],
  edges: [
    { id: 'e1', source: 'question', sourceHandle: 'text', target: 'ask', targetHandle: 'prompt' },
  ],
});

describe('describeProviders', () => {
  it('lists only the configured providers, the first as default, and nothing secret', () => {
    const list = describeProviders(localOnly());
    expect(ProviderListSchema.parse(list)).toEqual(list);
    expect(list.defaultProvider).toBe('openai-compatible');
    expect(list.providers.map((p) => [p.name, p.label, p.default])).toEqual([
      ['openai-compatible', 'OpenAI-compatible server', true],
    ]);
    expect(list.providers[0]?.models.length).toBeGreaterThan(0);
    const text = JSON.stringify(list);
    expect(text).not.toContain('sk-local-secret');
    expect(text).not.toContain(stub.url);
  });

  it('answers an empty list when the host configured none', () => {
    expect(describeProviders(undefined)).toEqual({ providers: [], defaultProvider: null });
  });
});

describe('a node on "Server default"', () => {
  it('is answered by the server default provider', async () => {
    stub.enqueue({ type: 'text', chunks: ['Rayleigh.'] });
    const data = registry.get('llm')!.data.parse({});
    expect(data).toMatchObject({ provider: '' });
    const result = await runWorkflow(ask({}), {
      registry,
      context: llmContext({ providers: localOnly() }),
    });
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.ask?.output).toEqual({ text: 'Rayleigh.' });
    expect(stub.requests[0]?.api).toBe('openai');
  });

  it('fails with what to set when the server has no provider at all', async () => {
    const result = await runWorkflow(ask({}), { registry });
    expect(result.nodes.ask?.error?.code).toBe('E_PROVIDER_NOT_CONFIGURED');
    expect(result.nodes.ask?.error?.message).toContain('no model provider configured');
  });
});

describe('providerIssues', () => {
  it('flags a node naming a provider the server lacks, by its title, before any run', () => {
    const list = describeProviders(localOnly());
    const issues = providerIssues(ask({ provider: 'gemini', label: 'Summarize' }), registry, list);
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'E_PROVIDER_NOT_CONFIGURED',
        nodeId: 'ask',
        path: ['nodes', 1, 'data', 'provider'],
      }),
    ]);
    expect(issues[0]?.message).toBe(
      '"Summarize" uses Gemini, which this server does not have; pick one of: OpenAI-compatible server.',
    );
    expect(providerIssues(ask({ provider: 'openai-compatible' }), registry, list)).toEqual([]);
    expect(providerIssues(ask({}), registry, list)).toEqual([]);
  });

  it('flags the server default when the server has no provider', () => {
    const issues = providerIssues(ask({}), registry, describeProviders(undefined));
    expect(issues.map((issue) => issue.message)).toEqual([
      '"LLM" needs a model provider, and this server has none configured.',
    ]);
  });
});
