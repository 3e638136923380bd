import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WorkflowValidationError } from '../errors';
import { builtinNodes } from '../nodes/index';
import { createRegistry } from '../registry';
import { runWorkflow } from '../run';
import { type LLMStub, startLLMStub } from '../testing/index';
import { validateWorkflow } from '../validate';
import { providerCatalog } from './catalog';
import { llmContext } from './context';
import { createProvidersFromEnv } from './env';
import { createGeminiProvider, geminiFromEnv } from './gemini';
import { createGroqProvider, groqFromEnv } from './groq';
import {
  encodePathSegments,
  type ModelIdGrammar,
  modelIdGrammarOf,
  modelIdProblem,
} from './modelId';
import { createOpenAICompatibleProvider, openaiCompatibleFromEnv } from './openaiCompatible';
import type { LLMProvider } from './types';

const ATTACKS = [
  '../../../../internal/admin?x=',
  '../admin',
  'gemini-2.5-flash/../../admin',
  'models/../../admin',
  'gemini%2F..%2Fadmin',
  'gemini-2.5-flash?key=x',
  'gemini-2.5-flash#x',
  'gemini 2.5',
  'gemini\n2.5',
  '/absolute',
  'trailing/',
  'a//b',
  '..',
  'x..y',
  `g${'a'.repeat(200)}`,
];

describe('model id grammar', () => {
  it('accepts every model the catalog suggests, for its own provider', () => {
    for (const info of providerCatalog) {
      for (const model of [...info.models, ...info.visionModels]) {
        expect(
          modelIdProblem(modelIdGrammarOf(info.name), model),
          `${info.name} ${model}`,
        ).toBeUndefined();
      }
    }
  });

  it('accepts the id shapes each provider really has', () => {
    const good: [ModelIdGrammar, string][] = [
      ['gemini', 'gemini-2.5-flash-preview-05-20'],
      ['gemini', 'models/gemini-2.5-pro'],
      ['gemini', 'tunedModels/my-model_1'],
      ['groq', 'meta-llama/llama-4-scout-17b-16e-instruct'],
      ['openai-compatible', 'qwen2.5:7b-instruct-q4_K_M'],
      ['openai-compatible', 'meta-llama/Llama-3.1-8B-Instruct'],
      ['openai-compatible', 'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M'],
      ['openai-compatible', ''],
    ];
    for (const [grammar, model] of good)
      expect(modelIdProblem(grammar, model), `${grammar} ${model}`).toBeUndefined();
  });

  it('refuses "/" and ":" where the provider has none', () => {
    expect(modelIdProblem('gemini', 'owner/gemini-2.5-flash')).toBeDefined();
    expect(modelIdProblem('gemini', 'gemini-2.5-flash:generateContent')).toBeDefined();
    expect(modelIdProblem('groq', 'a/b/c')).toBeDefined();
    expect(modelIdProblem('groq', 'llama3.2:latest')).toBeDefined();
  });

  it('refuses traversal, queries, fragments, spaces and overlong ids for every provider', () => {
    for (const grammar of ['gemini', 'groq', 'openai-compatible'] as const) {
      for (const model of ATTACKS)
        expect(modelIdProblem(grammar, model), `${grammar} ${JSON.stringify(model)}`).toMatch(
          /is not an? .* model id/,
        );
    }
  });

  it('encodes path segments and refuses the ones URL parsers would resolve', () => {
    expect(encodePathSegments('models/gemini-2.5-flash')).toBe('models/gemini-2.5-flash');
    expect(encodePathSegments('models/a?b#c:d')).toBe('models/a%3Fb%23c%3Ad');
    for (const path of ['models/..', 'models/.', '%2e%2E/x', 'models//x', '.%2e']) {
      expect(() => encodePathSegments(path), path).toThrow(
        expect.objectContaining({ code: 'E_PROVIDER_BAD_REQUEST' }),
      );
    }
  });
});

describe('model ids on the way to a provider', () => {
  const registry = createRegistry(builtinNodes);
  let stub: LLMStub;
  beforeAll(async () => {
    stub = await startLLMStub();
  });
  afterAll(() => stub.close());
  beforeEach(() => stub.reset());

  const attack = '../../../../internal/admin?x=';
  const workflow = (type: 'llm' | 'vision', provider: string) => ({
    nodes: [
      { id: 'question', type: 'text', data: { text: 'hi' } },
      { id: 'ask', type, data: { provider, model: attack } },
    ],
    edges: [
      {
        id: 'e1',
        source: 'question',
        sourceHandle: 'text',
        target: 'ask',
        targetHandle: type === 'llm' ? 'prompt' : 'image',
      },
    ],
  });

  it('refuses the run at validation with an issue on the node, for LLM and Vision nodes alike', () => {
    for (const type of ['llm', 'vision'] as const) {
      for (const provider of ['gemini', 'groq', 'openai-compatible', 'my-own-server']) {
        const result = validateWorkflow(workflow(type, provider), registry);
        expect(result.ok).toBe(false);
        const issue = result.issues.find((i) => i.code === 'E_INVALID_DATA');
        expect(issue).toMatchObject({ nodeId: 'ask', path: ['nodes', 1, 'data', 'model'] });
        expect(issue?.message).toMatch(
          /^"(LLM|Vision)": model: ".*" is not an? .* model id/,
        );
      }
    }
  });

  it('sends nothing when a run names a traversing Gemini model (real SDK against the stub)', async () => {
    const providers = createProvidersFromEnv(
      { GEMINI_API_KEY: 'server-key', GEMINI_BASE_URL: stub.url },
      [geminiFromEnv, groqFromEnv, openaiCompatibleFromEnv],
    );
    await expect(
      runWorkflow(workflow('llm', 'gemini'), { registry, context: llmContext({ providers }) }),
    ).rejects.toBeInstanceOf(WorkflowValidationError);
    expect(stub.requests).toHaveLength(0);
    expect(stub.strayRequests).toHaveLength(0);
  });

  it('refuses the model in every provider too, for callers that skip validation', async () => {
    const made: LLMProvider[] = [
      createGeminiProvider({ apiKey: 'server-key', baseUrl: stub.url }),
      createGroqProvider({ apiKey: 'server-key', baseUrl: stub.url }),
      createOpenAICompatibleProvider({ baseUrl: stub.url }),
    ];
    for (const provider of made) {
      for (const model of [attack, 'gemini-2.5-flash/../../../internal/admin', 'x?alt=json']) {
        const call = async () => {
          for await (const _ of provider.generate({ model, prompt: 'hi', stream: true })) {
            // Drained only to make the request.
          }
        };
        await expect(call(), `${provider.name} ${model}`).rejects.toMatchObject({
          code: 'E_PROVIDER_BAD_REQUEST',
          retryable: false,
        });
      }
    }
    expect(stub.requests).toHaveLength(0);
    expect(stub.strayRequests).toHaveLength(0);
  });

  it('still reaches the model route with a resource-name id', async () => {
    const gemini = createGeminiProvider({ apiKey: 'server-key', baseUrl: stub.url });
    for (const model of ['gemini-2.5-flash', 'models/gemini-2.5-pro']) {
      for await (const _ of gemini.generate({ model, prompt: 'hi', stream: false })) {
        // Drained only to make the request.
      }
    }
    expect(stub.requests.map((r) => r.path)).toEqual([
      '/v1beta/models/gemini-2.5-flash:generateContent',
      '/v1beta/models/gemini-2.5-pro:generateContent',
    ]);
    expect(stub.strayRequests).toEqual([]);
  });
});
