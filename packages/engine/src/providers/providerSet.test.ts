import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CanceledError, GalaxyError } from '../errors';
import { type LLMStub, startLLMStub } from '../testing/index';
import { createProvidersFromEnv, parseFallbackList } from './env';
import { createGeminiProvider, geminiFromEnv } from './gemini';
import { createGroqProvider, groqFromEnv } from './groq';
import { openaiCompatibleFromEnv } from './openaiCompatible';
import { createProviderSet, type ProviderCallEvent, type ProviderSetOptions } from './providerSet';
import type { LLMProvider } from './types';

let stub: LLMStub;
beforeAll(async () => {
  stub = await startLLMStub();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

const fast = { retry: { backoffMs: 5, maxBackoffMs: 20, jitter: false } };

function set(options: Partial<ProviderSetOptions> = {}) {
  return createProviderSet({
    providers: [
      createGeminiProvider({ apiKey: 'k', baseUrl: stub.url }),
      createGroqProvider({ apiKey: 'k', baseUrl: stub.url }),
    ],
    resilience: fast,
    ...options,
  });
}

/** A provider set over one hand-written provider `x`, retrying at once. */
function setOf(generate: LLMProvider['generate']) {
  return createProviderSet({
    providers: [{ name: 'x', label: 'X', defaultModel: 'x-1', supportsImages: false, generate }],
    resilience: { retry: { backoffMs: 1, jitter: false } },
  });
}

async function rejection(promise: Promise<unknown>): Promise<GalaxyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GalaxyError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('retries', () => {
  it('retries 429 and 500 on the same provider and returns the answer', async () => {
    stub.enqueue({ type: 'error', status: 429 }, { type: 'error', status: 500 }, { type: 'text', text: 'finally' });
    const events: ProviderCallEvent[] = [];
    const answer = await set().complete({ provider: 'gemini', prompt: 'hi', onEvent: (e) => events.push(e) });
    expect(answer).toMatchObject({ text: 'finally', provider: 'gemini', attempts: 3, fallbackFrom: [] });
    expect(stub.requests).toHaveLength(3);
    expect(events.map((e) => [e.type, e.type === 'retry' ? e.error.code : ''])).toEqual([
      ['retry', 'E_PROVIDER_RATE_LIMIT'],
      ['retry', 'E_PROVIDER_UNAVAILABLE'],
    ]);
  });

  it('waits as long as Retry-After asks before the next attempt', async () => {
    stub.enqueue({ type: 'error', status: 429, retryAfter: 1 }, { type: 'text', text: 'ok' });
    const started = Date.now();
    await set().complete({ provider: 'groq', prompt: 'hi' });
    const [first, second] = stub.requests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(990);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('backs off exponentially between attempts', async () => {
    stub.enqueue({ type: 'error', status: 503 }, { type: 'error', status: 503 }, { type: 'text', text: 'ok' });
    const providers = set({ resilience: { retry: { backoffMs: 100, factor: 3, jitter: false } } });
    await providers.complete({ provider: 'groq', prompt: 'hi' });
    const [a, b, c] = stub.requests.map((r) => r.receivedAt);
    expect(b! - a!).toBeGreaterThanOrEqual(95);
    expect(c! - b!).toBeGreaterThanOrEqual(295);
  });

  it('does not retry 400 or 401', async () => {
    stub.enqueue({ type: 'error', status: 400 });
    expect(await rejection(set().complete({ provider: 'gemini', prompt: 'hi' }))).toMatchObject({ code: 'E_PROVIDER_BAD_REQUEST' });
    expect(stub.requests).toHaveLength(1);
    stub.reset();
    stub.enqueue({ type: 'error', status: 401 });
    expect(await rejection(set().complete({ provider: 'groq', prompt: 'hi' }))).toMatchObject({ code: 'E_PROVIDER_AUTH' });
    expect(stub.requests).toHaveLength(1);
  });

  it('gives up after maxAttempts with a final error, so the scheduler does not retry it again', async () => {
    stub.enqueue({ type: 'error', status: 500 }, { type: 'error', status: 500 });
    const error = await rejection(set({ resilience: { retry: { maxAttempts: 2, backoffMs: 1 } } }).complete({ provider: 'gemini', prompt: 'hi' }));
    expect(error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', retryable: false, details: { status: 500, attempts: 2 } });
    expect(error.message).toMatch(/^Gave up after 2 attempts: Gemini had a temporary failure \(HTTP 500\)/);
    expect(stub.requests).toHaveLength(2);
  });

  it('never repeats text: a stream cut after its first tokens is not retried', async () => {
    stub.enqueue({ type: 'reset', chunks: ['Hel', 'lo'] });
    const seen: string[] = [];
    const error = await rejection(set().complete({ provider: 'groq', prompt: 'hi' }, (t) => seen.push(t)));
    expect(error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', retryable: false });
    expect(error.message).toMatch(/^Not retried, because part of the answer had already streamed/);
    expect(seen.join('')).toBe('Hello');
    expect(stub.requests).toHaveLength(1);
  });

  it('retries a stream that ended before any text, and fails one cut off after its first tokens', async () => {
    stub.enqueue({ type: 'truncate', chunks: [] }, { type: 'text', text: 'whole' });
    expect(await set().complete({ provider: 'groq', prompt: 'hi' })).toMatchObject({ text: 'whole', attempts: 2 });
    stub.reset();
    stub.enqueue({ type: 'truncate', chunks: ['The answer is'] });
    const error = await rejection(set().complete({ provider: 'gemini', prompt: 'hi' }));
    expect(error).toMatchObject({ code: 'E_PROVIDER_RESPONSE', retryable: false });
    expect(stub.requests).toHaveLength(1);
  });

  it('treats a provider that ends without a finish chunk as cut off', async () => {
    let calls = 0;
    const providers = setOf(async function* () {
      calls++;
      if (calls === 2) {
        yield { type: 'text', text: 'ok' };
        yield { type: 'finish' };
      }
    });
    expect(await providers.complete({ provider: 'x', prompt: 'p' })).toMatchObject({ text: 'ok', attempts: 2 });
  });

  it('does not wait for a Retry-After longer than maxRetryAfterMs, and says when the provider takes requests again', async () => {
    stub.enqueue({ type: 'error', status: 429, retryAfter: 3600, match: { api: 'groq' } });
    const providers = set({ now: () => Date.UTC(2030, 0, 1, 12, 0, 0) });
    const started = Date.now();
    const error = await rejection(providers.complete({ provider: 'groq', prompt: 'hi' }));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ code: 'E_PROVIDER_RATE_LIMIT', retryable: false, details: { retryAt: '2030-01-01T13:00:00.000Z' } });
    expect(error.message).toContain('Groq takes requests again at 2030-01-01T13:00:00.000Z');
    expect(stub.requests).toHaveLength(1);
  });

  it('shows the real failure, not E_CIRCUIT_OPEN, when the call’s own retries open the circuit', async () => {
    stub.enqueue({ type: 'error', status: 502, message: 'Bad gateway' }, { type: 'error', status: 502, message: 'Bad gateway' });
    const providers = set({ resilience: { ...fast, circuitBreaker: { failureThreshold: 2 } } });
    const error = await rejection(providers.complete({ provider: 'gemini', prompt: 'hi' }));
    expect(error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', retryable: false, details: { status: 502, attempts: 2 } });
    expect(error.message).toContain('Bad gateway');
    expect(error.message).toContain('paused');
    expect(providers.circuitState('gemini')).toBe('open');
    expect(stub.requests).toHaveLength(2);
  });
});

describe('fallback', () => {
  it('moves from Gemini to Groq once Gemini’s retryable failures are exhausted, and says who answered', async () => {
    stub.enqueue(
      { type: 'error', status: 500, match: { api: 'gemini' } },
      { type: 'error', status: 503, match: { api: 'gemini' } },
      { type: 'error', status: 429, match: { api: 'gemini' } },
      { type: 'text', text: 'from groq', match: { api: 'groq' } },
    );
    const events: ProviderCallEvent[] = [];
    const providers = set({ fallbacks: { gemini: ['groq'] } });
    const answer = await providers.complete({ provider: 'gemini', model: 'gemini-2.5-pro', prompt: 'hi', onEvent: (e) => events.push(e) });
    expect(answer).toMatchObject({ text: 'from groq', provider: 'groq', model: 'llama-3.3-70b-versatile', fallbackFrom: ['gemini'], attempts: 1 });
    expect(answer.fallbacks).toEqual([{ provider: 'gemini', model: 'gemini-2.5-pro', attempts: 3, code: 'E_PROVIDER_RATE_LIMIT', message: expect.stringContaining('HTTP 429') }]);
    expect(stub.requests.map((r) => `${r.api}:${r.model}`)).toEqual([
      'gemini:gemini-2.5-pro',
      'gemini:gemini-2.5-pro',
      'gemini:gemini-2.5-pro',
      'groq:llama-3.3-70b-versatile',
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'fallback', from: 'gemini', to: 'groq' });
  });

  it('uses the fallback’s vision model for images', async () => {
    stub.enqueue({ type: 'error', status: 500, match: { api: 'gemini' } });
    const providers = set({ fallbacks: { gemini: [{ provider: 'groq' }] }, resilience: { retry: { maxAttempts: 1 } } });
    const answer = await providers.complete({ provider: 'gemini', prompt: 'what?', images: [{ mimeType: 'image/png', base64: 'AAAA' }] });
    expect(answer.model).toBe('meta-llama/llama-4-scout-17b-16e-instruct');
    expect(stub.requests[1]?.images).toHaveLength(1);
  });

  it('does not fall back on a mistake the user must fix (model not found)', async () => {
    stub.enqueue({ type: 'error', status: 404, match: { api: 'gemini' } });
    const error = await rejection(set({ fallbacks: { gemini: ['groq'] } }).complete({ provider: 'gemini', model: 'gemini-9', prompt: 'hi' }));
    expect(error.code).toBe('E_MODEL_NOT_FOUND');
    expect(stub.requests.map((r) => r.api)).toEqual(['gemini']);
  });

  it('reports every provider’s failure when the whole chain fails', async () => {
    stub.enqueue({ type: 'error', status: 500, match: { api: 'gemini' } }, { type: 'error', status: 429, match: { api: 'groq' } });
    const providers = set({ fallbacks: { gemini: ['groq'] }, resilience: { retry: { maxAttempts: 1 } } });
    const error = await rejection(providers.complete({ provider: 'gemini', prompt: 'hi' }));
    expect(error).toMatchObject({ code: 'E_PROVIDER_RATE_LIMIT', retryable: false });
    expect(error.message).toMatch(/gemini .*HTTP 500.*then groq .*HTTP 429/);
  });

  it('falls back at once when the primary asks to wait longer than it will', async () => {
    stub.enqueue({ type: 'error', status: 429, retryAfter: 3600, match: { api: 'gemini' } }, { type: 'text', text: 'from groq', match: { api: 'groq' } });
    const answer = await set({ fallbacks: { gemini: ['groq'] } }).complete({ provider: 'gemini', prompt: 'hi' });
    expect(answer).toMatchObject({ provider: 'groq', fallbackFrom: ['gemini'] });
    expect(answer.fallbacks[0]).toMatchObject({ provider: 'gemini', attempts: 1, code: 'E_PROVIDER_RATE_LIMIT', message: expect.stringContaining('takes requests again at') });
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, fails fast, then half-opens after the cool-down', async () => {
    let clock = 1_000_000;
    const providers = set({
      now: () => clock,
      resilience: { retry: { maxAttempts: 1 }, circuitBreaker: { failureThreshold: 2, cooldownMs: 10_000 } },
    });
    stub.enqueue({ type: 'error', status: 500 }, { type: 'error', status: 500 });
    await rejection(providers.complete({ provider: 'groq', prompt: '1' }));
    expect(providers.circuitState('groq')).toBe('closed');
    await rejection(providers.complete({ provider: 'groq', prompt: '2' }));
    expect(providers.circuitState('groq')).toBe('open');

    const open = await rejection(providers.complete({ provider: 'groq', prompt: '3' }));
    expect(open).toMatchObject({ code: 'E_CIRCUIT_OPEN', retryable: false });
    expect(stub.requests).toHaveLength(2);
    // Other providers are unaffected.
    expect((await providers.complete({ provider: 'gemini', prompt: 'g' })).provider).toBe('gemini');

    clock += 10_000;
    expect(providers.circuitState('groq')).toBe('half-open');
    stub.enqueue({ type: 'text', text: 'trial', delayMs: 100, match: { api: 'groq' } });
    const trial = providers.complete({ provider: 'groq', prompt: 'trial' });
    await stub.waitForRequests(4);
    // While the trial call runs, others still fail fast.
    expect(await rejection(providers.complete({ provider: 'groq', prompt: 'meanwhile' }))).toMatchObject({ code: 'E_CIRCUIT_OPEN' });
    expect((await trial).text).toBe('trial');
    expect(providers.circuitState('groq')).toBe('closed');
  });

  it('reopens when the half-open trial fails', async () => {
    let clock = 0;
    const providers = set({ now: () => clock, resilience: { retry: { maxAttempts: 1 }, circuitBreaker: { failureThreshold: 1, cooldownMs: 5_000 } } });
    stub.enqueue({ type: 'error', status: 502 }, { type: 'error', status: 502 });
    await rejection(providers.complete({ provider: 'gemini', prompt: 'a' }));
    clock += 5_000;
    await rejection(providers.complete({ provider: 'gemini', prompt: 'b' }));
    expect(providers.circuitState('gemini')).toBe('open');
    expect(stub.requests).toHaveLength(2);
  });

  it('falls back at once while the primary’s circuit is open', async () => {
    const providers = set({
      fallbacks: { gemini: ['groq'] },
      resilience: { retry: { maxAttempts: 1 }, circuitBreaker: { failureThreshold: 1, cooldownMs: 60_000 } },
    });
    stub.enqueue({ type: 'error', status: 500, match: { api: 'gemini' } });
    await providers.complete({ provider: 'gemini', prompt: 'a' });
    stub.reset();
    const answer = await providers.complete({ provider: 'gemini', prompt: 'b' });
    expect(answer).toMatchObject({ provider: 'groq', fallbackFrom: ['gemini'] });
    expect(stub.requests.map((r) => r.api)).toEqual(['groq']);
  });

  it('is not tripped by requests the user got wrong', async () => {
    const providers = set({ resilience: { retry: { maxAttempts: 1 }, circuitBreaker: { failureThreshold: 2 } } });
    stub.enqueue({ type: 'error', status: 400 }, { type: 'error', status: 404 }, { type: 'error', status: 400 });
    for (let i = 0; i < 3; i++) await rejection(providers.complete({ provider: 'groq', prompt: 'x' }));
    expect(providers.circuitState('groq')).toBe('closed');
  });
});

describe('timeouts, cancellation and concurrency', () => {
  it('times out a call that never answers, closing the request', async () => {
    stub.enqueue({ type: 'hang' });
    const providers = set({ resilience: { timeoutMs: 150, retry: { maxAttempts: 1 } } });
    const error = await rejection(providers.complete({ provider: 'gemini', prompt: 'hi' }));
    // Final once the set's attempts are spent, like every error a call ends with.
    expect(error).toMatchObject({ code: 'E_PROVIDER_TIMEOUT', retryable: false });
    expect((await stub.waitForClientAbort(1_000)).api).toBe('gemini');
  });

  it('times out a stream that stalls', async () => {
    stub.enqueue({ type: 'text', chunks: ['a', 'b', 'c'], chunkDelayMs: 400 });
    const providers = set({ resilience: { timeoutMs: 200, retry: { maxAttempts: 1 } } });
    const seen: string[] = [];
    const error = await rejection(providers.complete({ provider: 'groq', prompt: 'hi' }, (t) => seen.push(t)));
    expect(error.code).toBe('E_PROVIDER_TIMEOUT');
    expect(seen).toEqual(['a']);
  });

  it('cancels the in-flight request when the caller’s signal fires', async () => {
    stub.enqueue({ type: 'hang' });
    const controller = new AbortController();
    const call = set().complete({ provider: 'groq', prompt: 'hi', signal: controller.signal });
    await stub.waitForRequests(1);
    controller.abort();
    expect(await rejection(call)).toBeInstanceOf(CanceledError);
    expect((await stub.waitForClientAbort(1_000)).abortedByClient).toBe(true);
  });

  it('cancels during a backoff wait without another request', async () => {
    stub.enqueue({ type: 'error', status: 429, retryAfter: 5 });
    const controller = new AbortController();
    const call = set().complete({ provider: 'gemini', prompt: 'hi', signal: controller.signal });
    await stub.waitForRequests(1);
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    expect(await rejection(call)).toBeInstanceOf(CanceledError);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(stub.requests).toHaveLength(1);
  });

  it('keeps at most maxConcurrency calls in flight per provider', async () => {
    const providers = set({ resilience: { maxConcurrency: 2 } });
    for (let i = 0; i < 6; i++) stub.enqueue({ type: 'text', text: `r${i}`, delayMs: 80 });
    const calls = Array.from({ length: 6 }, (_, i) => providers.complete({ provider: 'groq', prompt: `p${i}` }));
    const answers = await Promise.all(calls);
    expect(answers.map((a) => a.text)).toHaveLength(6);
    expect(stub.peakConcurrency).toBe(2);
    const requests = stub.requests;
    const first = requests[0]!.receivedAt;
    expect(requests[4]!.receivedAt - first).toBeGreaterThanOrEqual(150);
  });
});

describe('not configured', () => {
  it('names the variable to set when a node asks for a provider the host lacks', async () => {
    const providers = set();
    const error = await rejection(providers.complete({ provider: 'openai-compatible', prompt: 'hi' }));
    expect(error.code).toBe('E_PROVIDER_NOT_CONFIGURED');
    expect(error.message).toContain('OPENAI_COMPATIBLE_BASE_URL is not set');
  });
});

describe('createProvidersFromEnv', () => {
  const factories = [geminiFromEnv, groqFromEnv, openaiCompatibleFromEnv];

  it('builds the providers whose variables are set, with overridable base URLs', async () => {
    const providers = createProvidersFromEnv(
      { GEMINI_API_KEY: 'g', GEMINI_BASE_URL: stub.url, OPENAI_COMPATIBLE_BASE_URL: `${stub.url}/v1`, OPENAI_COMPATIBLE_MODEL: 'qwen3:8b', GROQ_API_KEY: '' },
      factories,
    );
    expect(providers.names).toEqual(['gemini', 'openai-compatible']);
    expect((await providers.complete({ provider: 'gemini', prompt: 'a' })).provider).toBe('gemini');
    expect((await providers.complete({ provider: 'openai-compatible', prompt: 'b' })).model).toBe('qwen3:8b');
    expect(stub.requests.map((r) => r.api)).toEqual(['gemini', 'openai']);
  });

  it('reads the fallback order from LLM_FALLBACK', async () => {
    const providers = createProvidersFromEnv(
      { GEMINI_API_KEY: 'g', GEMINI_BASE_URL: stub.url, GROQ_API_KEY: 'q', GROQ_BASE_URL: stub.url, LLM_FALLBACK: 'gemini, groq=llama-3.1-8b-instant' },
      factories,
      { resilience: { retry: { maxAttempts: 1 } } },
    );
    stub.enqueue({ type: 'error', status: 503, match: { api: 'gemini' } });
    expect(await providers.complete({ provider: 'gemini', prompt: 'a' })).toMatchObject({ provider: 'groq', model: 'llama-3.1-8b-instant' });
  });

  it('refuses a set variable whose provider factory was not passed', () => {
    expect(() => createProvidersFromEnv({ GROQ_API_KEY: 'q' }, [geminiFromEnv])).toThrow(/GROQ_API_KEY is set .*providers\/groq/);
  });

  it('parses fallback lists, skipping unconfigured providers and keeping model ids with colons', () => {
    expect(parseFallbackList('gemini,nope, openai-compatible=llama3.2:3b ,groq', ['gemini', 'groq', 'openai-compatible'])).toEqual({
      gemini: [{ provider: 'openai-compatible', model: 'llama3.2:3b' }, { provider: 'groq' }],
      'openai-compatible': [{ provider: 'groq' }],
    });
  });
});

describe('errors from a provider bundled with its own copy of the error classes', () => {
  it('keeps their code, retryability and Retry-After', async () => {
    const lookalike = Object.assign(new Error('slow down'), { code: 'E_PROVIDER_RATE_LIMIT', retryable: true, retryAfterMs: 40, details: { provider: 'x' } });
    let calls = 0;
    const providers = setOf(async function* () {
      if (++calls === 1) throw lookalike;
      yield { type: 'text', text: 'ok' };
      yield { type: 'finish' };
    });
    const events: ProviderCallEvent[] = [];
    expect((await providers.complete({ provider: 'x', prompt: 'p', onEvent: (e) => events.push(e) })).text).toBe('ok');
    expect(events[0]).toMatchObject({ type: 'retry', delayMs: 40, error: { code: 'E_PROVIDER_RATE_LIMIT', retryable: true } });
  });
});
