import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CanceledError, GalaxyError } from '../errors';
import { type LLMStub, type StubApi, startLLMStub } from '../testing/index';
import { createGeminiProvider } from './gemini';
import { createGroqProvider } from './groq';
import { createOpenAICompatibleProvider } from './openaiCompatible';
import { providerEnvIssues } from './env';
import type { GenerateChunk, GenerateRequest, LLMProvider } from './types';

// One tiny PNG (1x1), as models receive it.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

async function drain(provider: LLMProvider, request: GenerateRequest) {
  const chunks: GenerateChunk[] = [];
  for await (const chunk of provider.generate(request)) chunks.push(chunk);
  return chunks;
}

async function failure(promise: Promise<unknown>): Promise<GalaxyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GalaxyError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const cases: { api: StubApi; label: string; keyEnv: string | undefined; make: (url: string) => LLMProvider }[] = [
  { api: 'gemini', label: 'Gemini (@google/generative-ai)', keyEnv: 'GEMINI_API_KEY', make: (url) => createGeminiProvider({ apiKey: 'test-key', baseUrl: url }) },
  { api: 'groq', label: 'Groq (groq-sdk)', keyEnv: 'GROQ_API_KEY', make: (url) => createGroqProvider({ apiKey: 'test-key', baseUrl: url }) },
  { api: 'openai', label: 'OpenAI-compatible (fetch)', keyEnv: 'OPENAI_COMPATIBLE_API_KEY', make: (url) => createOpenAICompatibleProvider({ baseUrl: `${url}/v1`, apiKey: 'test-key' }) },
];

let stub: LLMStub;
beforeAll(async () => {
  stub = await startLLMStub();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

describe.each(cases)('$label provider against the stub', ({ api, keyEnv, make }) => {
  let provider: LLMProvider;
  beforeAll(() => {
    provider = make(stub.url);
  });

  it('streams the answer in order, then finishes with usage', async () => {
    stub.enqueue({ type: 'text', chunks: ['The ', 'sky ', 'is ', 'blue.'], usage: { inputTokens: 7, outputTokens: 4 } });
    const chunks = await drain(provider, { model: 'm-1', prompt: 'Why is the sky blue?' });
    expect(chunks.filter((c) => c.type === 'text').map((c) => (c as { text: string }).text)).toEqual(['The ', 'sky ', 'is ', 'blue.']);
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', usage: { inputTokens: 7, outputTokens: 4, totalTokens: 11 } });
    expect(stub.requests[0]).toMatchObject({ api, model: 'm-1', stream: true, prompt: 'Why is the sky blue?' });
  });

  it('answers without streaming when asked to', async () => {
    stub.enqueue({ type: 'text', text: 'Paris.' });
    const chunks = await drain(provider, { model: 'm-1', prompt: 'Capital of France?', stream: false });
    expect(chunks[0]).toEqual({ type: 'text', text: 'Paris.' });
    expect(stub.requests[0]?.stream).toBe(false);
  });

  it('sends the system prompt, settings, JSON mode and images over the wire', async () => {
    await drain(provider, {
      model: 'vision-1',
      prompt: 'What is this?',
      system: 'Answer briefly.',
      temperature: 0.2,
      maxTokens: 64,
      json: true,
      images: [{ mimeType: 'image/png', base64: PNG }],
    });
    const request = stub.requests[0]!;
    expect(request.system).toBe('Answer briefly.');
    expect(request.images).toEqual([{ mimeType: 'image/png', base64: PNG }]);
    const body = request.body as Record<string, unknown>;
    if (api === 'gemini') {
      expect(body.generationConfig).toMatchObject({ temperature: 0.2, maxOutputTokens: 64, responseMimeType: 'application/json' });
    } else {
      expect(body).toMatchObject({ temperature: 0.2, response_format: { type: 'json_object' } });
      expect(body[api === 'groq' ? 'max_completion_tokens' : 'max_tokens']).toBe(64);
    }
  });

  it('reports 429 as a retryable rate limit carrying Retry-After', async () => {
    stub.enqueue({ type: 'error', status: 429, retryAfter: 2 });
    const error = await failure(drain(provider, { model: 'm', prompt: 'hi' }));
    expect(error).toMatchObject({ code: 'E_PROVIDER_RATE_LIMIT', retryable: true, retryAfterMs: 2000 });
  });

  it('reports 500 and a reset connection as retryable outages', async () => {
    stub.enqueue({ type: 'error', status: 500 }, { type: 'reset' });
    expect(await failure(drain(provider, { model: 'm', prompt: 'hi' }))).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', retryable: true });
    expect(await failure(drain(provider, { model: 'm', prompt: 'hi' }))).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', retryable: true });
  });

  it('reports a stream cut short as a retryable outage after the text that arrived', async () => {
    stub.enqueue({ type: 'reset', chunks: ['Once ', 'upon '] });
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const chunk of provider.generate({ model: 'm', prompt: 'story' })) if (chunk.type === 'text') seen.push(chunk.text);
      })(),
    );
    expect(error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', retryable: true });
    expect(seen.join('')).toBe('Once upon ');
  });

  it('reports a stream that ends without finishing as cut off, not as a complete answer', async () => {
    stub.enqueue({ type: 'truncate', chunks: ['The answer is'] });
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const chunk of provider.generate({ model: 'm', prompt: 'hi' })) {
          if (chunk.type === 'finish') throw new Error('a cut-off stream must not finish');
          seen.push(chunk.text);
        }
      })(),
    );
    expect(error).toMatchObject({ code: 'E_PROVIDER_RESPONSE', retryable: true });
    expect(error.message).toMatch(/ended .*before the answer was complete/);
    expect(seen).toEqual(['The answer is']);
  });

  it('reports a cut-off stream with no text at all as cut off too', async () => {
    stub.enqueue({ type: 'truncate', chunks: [] });
    expect(await failure(drain(provider, { model: 'm', prompt: 'hi' }))).toMatchObject({ code: 'E_PROVIDER_RESPONSE', retryable: true });
  });

  it('says which model was not found (404), without retry', async () => {
    stub.enqueue({ type: 'error', status: 404 });
    const error = await failure(drain(provider, { model: 'no-such-model', prompt: 'hi' }));
    expect(error.code).toBe('E_MODEL_NOT_FOUND');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('model not found: no-such-model');
  });

  it('points at the API key variable on 401, without retry', async () => {
    stub.enqueue({ type: 'error', status: 401 });
    const error = await failure(drain(provider, { model: 'm', prompt: 'hi' }));
    expect(error).toMatchObject({ code: 'E_PROVIDER_AUTH', retryable: false });
    expect(error.message).toContain(keyEnv);
  });

  it('reports 400 as a bad request with the server message, without retry', async () => {
    stub.enqueue({ type: 'error', status: 400, message: 'temperature must be <= 2' });
    const error = await failure(drain(provider, { model: 'm', prompt: 'hi' }));
    expect(error).toMatchObject({ code: 'E_PROVIDER_BAD_REQUEST', retryable: false });
    expect(error.message).toContain('temperature must be <= 2');
  });

  it('aborts the HTTP request when the signal fires mid-stream: the server sees the socket close', async () => {
    stub.enqueue({ type: 'text', chunks: ['a', 'b', 'c', 'd', 'e'], chunkDelayMs: 200 });
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const chunk of provider.generate({ model: 'm', prompt: 'slow', signal: controller.signal })) {
        if (chunk.type === 'text') {
          seen.push(chunk.text);
          controller.abort();
        }
      }
    })();
    const error = await failure(run);
    expect(error).toBeInstanceOf(CanceledError);
    const aborted = await stub.waitForClientAbort(2_000);
    expect(aborted.abortedByClient).toBe(true);
    expect(seen).toEqual(['a']);
  });
});

describe('provider configuration', () => {
  it('names the variable to set when a key is missing', () => {
    expect(() => createGeminiProvider({ apiKey: '' })).toThrow('GEMINI_API_KEY is not set');
    expect(() => createGroqProvider({ apiKey: ' ' })).toThrow('GROQ_API_KEY is not set');
    expect(() => createOpenAICompatibleProvider({ baseUrl: '' })).toThrow('OPENAI_COMPATIBLE_BASE_URL is not set');
  });

  it('treats Gemini’s "API key not valid" (HTTP 400) as an auth error naming GEMINI_API_KEY', async () => {
    const guarded = await startLLMStub({ apiKey: 'right-key' });
    try {
      const gemini = createGeminiProvider({ apiKey: 'wrong-key', baseUrl: guarded.url });
      const error = await failure(drain(gemini, { model: 'm', prompt: 'hi' }));
      expect(error).toMatchObject({ code: 'E_PROVIDER_AUTH', retryable: false });
      expect(error.message).toContain('GEMINI_API_KEY');
    } finally {
      await guarded.close();
    }
  });

  it('tells a wrong OpenAI-compatible base URL apart from a missing model', async () => {
    const provider = createOpenAICompatibleProvider({ baseUrl: `${stub.url}/nothing-here/v2` });
    const error = await failure(drain(provider, { model: 'm', prompt: 'hi' }));
    expect(error.code).toBe('E_PROVIDER_BAD_REQUEST');
    expect(error.message).toContain('check its base URL (OPENAI_COMPATIBLE_BASE_URL)');
  });

  it('explains a refused connection to a local server', async () => {
    const closed = await startLLMStub();
    const url = closed.url;
    await closed.close();
    const provider = createOpenAICompatibleProvider({ baseUrl: url });
    const error = await failure(drain(provider, { model: 'm', prompt: 'hi' }));
    expect(error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', retryable: true });
    expect(error.message).toContain('connection refused');
  });
});

describe('providerEnvIssues', () => {
  it('names settings a provider would ignore and fallback entries that would be skipped', () => {
    expect(providerEnvIssues({ GEMINI_API_KEY: 'k', LLM_FALLBACK: 'gemini' })).toEqual([]);
    expect(
      providerEnvIssues({ GROQ_BASE_URL: 'http://127.0.0.1:1', LLM_FALLBACK: 'gemni, groq' }),
    ).toEqual([
      {
        variable: 'GROQ_API_KEY',
        message:
          'GROQ_BASE_URL is set but GROQ_API_KEY is not, so the Groq provider stays off: set GROQ_API_KEY too, or remove GROQ_BASE_URL.',
      },
      expect.objectContaining({
        variable: 'LLM_FALLBACK',
        message: expect.stringContaining('"gemni", which is not a provider'),
      }),
      expect.objectContaining({
        variable: 'LLM_FALLBACK',
        message: expect.stringContaining('LLM_FALLBACK names groq, but GROQ_API_KEY is not set'),
      }),
    ]);
  });

  it('reads a blank value as unset, as .env files mean it', () => {
    expect(
      providerEnvIssues({ GEMINI_API_KEY: '  ', GEMINI_BASE_URL: 'http://127.0.0.1:1' }),
    ).toHaveLength(1);
  });
});
