import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CanceledError, GalaxyError } from '../errors';
import { builtinNodes } from '../nodes/index';
import { createRegistry } from '../registry';
import { runWorkflow } from '../run';
import { type LLMStub, type StubRequest, startLLMStub } from '../testing/index';
import { llmContext } from './context';
import { createGeminiProvider } from './gemini';
import { createProviderSet, type ProviderSetOptions } from './providerSet';

const registry = createRegistry(builtinNodes);
let stub: LLMStub;
beforeAll(async () => {
  // Alice's prompts meet a quota (429 after 150 ms); everyone else gets an answer at once.
  stub = await startLLMStub({
    reply: (request) =>
      request.prompt.startsWith('alice')
        ? { type: 'error', status: 429, retryAfter: 0, delayMs: 150 }
        : { type: 'text', text: 'ok' },
  });
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

function providers(options: Partial<ProviderSetOptions> = {}) {
  return createProviderSet({
    providers: [createGeminiProvider({ apiKey: 'server-key', baseUrl: stub.url })],
    resilience: { retry: { maxAttempts: 3, backoffMs: 10, jitter: false } },
    ...options,
  });
}

/** `count` LLM nodes asking `user`'s question, all able to run at once. */
function burst(user: string, count: number) {
  const asks = Array.from({ length: count }, (_, i) => `ask${i}`);
  return {
    nodes: [
      { id: 'q', type: 'text', data: { text: `${user} question` } },
      ...asks.map((id) => ({ id, type: 'llm', data: { provider: 'gemini' } })),
    ],
    edges: asks.map((id) => ({
      id: `e-${id}`,
      source: 'q',
      sourceHandle: 'text',
      target: id,
      targetHandle: 'prompt',
    })),
    settings: { concurrency: count + 1, failureMode: 'fail_safe' as const },
  };
}

/** Most of `requests` open at the same moment. */
function peakInFlight(requests: readonly StubRequest[]): number {
  const marks = requests.flatMap((r) => [
    { at: r.receivedAt, step: 1 },
    { at: r.closedAt ?? Number.POSITIVE_INFINITY, step: -1 },
  ]);
  // Closings before openings at the same ms: a slot handed on is not two calls at once.
  marks.sort((a, b) => a.at - b.at || a.step - b.step);
  let open = 0;
  let peak = 0;
  for (const mark of marks) {
    open += mark.step;
    peak = Math.max(peak, open);
  }
  return peak;
}

describe('one user against a rate-limited upstream', () => {
  it('leaves the breaker closed, caps the user in flight and does not delay another user', async () => {
    const set = providers();
    const aliceRun = runWorkflow(burst('alice', 6), {
      registry,
      context: llmContext({ providers: set, userId: 'alice' }),
    });
    // Bob asks while Alice's burst holds its slots.
    await stub.waitForRequests(4);
    const bobStart = Date.now();
    const bob = await runWorkflow(burst('bob', 1), {
      registry,
      context: llmContext({ providers: set, userId: 'bob' }),
    });
    const bobMs = Date.now() - bobStart;
    const alice = await aliceRun;

    expect(bob.status).toBe('SUCCESS');
    // Alice's calls take 150 ms each and queue behind each other; Bob's waits for none of them:
    // it is answered before Alice's fifth call (queued behind her first four) is even sent.
    expect(bobMs).toBeLessThan(150);
    const bobRequest = stub.requests.find((r) => r.prompt.startsWith('bob'))!;
    const aliceFifth = stub.requests.filter((r) => r.prompt.startsWith('alice'))[4]!;
    expect(bobRequest.closedAt!).toBeLessThanOrEqual(aliceFifth.receivedAt);
    expect(alice.status).toBe('PARTIAL');
    for (let i = 0; i < 6; i++)
      expect(alice.nodes[`ask${i}`]?.error).toMatchObject({ code: 'E_PROVIDER_RATE_LIMIT' });
    const aliceRequests = stub.requests.filter((r) => r.prompt.startsWith('alice'));
    expect(aliceRequests).toHaveLength(18);
    expect(peakInFlight(aliceRequests)).toBe(4);
    expect(set.circuitState('gemini')).toBe('closed');

    // After the burst, Bob's next node is answered too.
    const after = await runWorkflow(burst('bob', 1), {
      registry,
      context: llmContext({ providers: set, userId: 'bob' }),
    });
    expect(after.status).toBe('SUCCESS');
  });

  it('still opens the breaker on upstream faults', async () => {
    const set = providers({
      resilience: { retry: { maxAttempts: 1 }, circuitBreaker: { failureThreshold: 2 } },
    });
    stub.enqueue({ type: 'error', status: 503 }, { type: 'error', status: 503 });
    const run = await runWorkflow(burst('carol', 2), {
      registry,
      context: llmContext({ providers: set, userId: 'carol' }),
    });
    expect(run.status).toBe('PARTIAL');
    expect(set.circuitState('gemini')).toBe('open');
  });

  it('takes Infinity for no per-user cap, and refuses a cap below 1', async () => {
    const set = providers({
      perUserConcurrency: Number.POSITIVE_INFINITY,
      resilience: { retry: { maxAttempts: 1 } },
    });
    await runWorkflow(burst('alice', 6), {
      registry,
      context: llmContext({ providers: set, userId: 'alice' }),
    });
    expect(peakInFlight(stub.requests)).toBe(6);
    expect(() => providers({ perUserConcurrency: 0 })).toThrow(GalaxyError);
  });

  it('lets a canceled wait for a user slot go without leaking the slot', async () => {
    const set = providers({ perUserConcurrency: 1, resilience: { retry: { maxAttempts: 1 } } });
    const first = set.complete({ provider: 'gemini', prompt: 'alice one', userId: 'alice' });
    const controller = new AbortController();
    const second = set.complete({
      provider: 'gemini',
      prompt: 'alice two',
      userId: 'alice',
      signal: controller.signal,
    });
    await stub.waitForRequests(1);
    controller.abort();
    await expect(second).rejects.toBeInstanceOf(CanceledError);
    await expect(first).rejects.toMatchObject({ code: 'E_PROVIDER_RATE_LIMIT' });
    stub.reset();
    await expect(
      set.complete({ provider: 'gemini', prompt: 'alice three', userId: 'alice' }),
    ).rejects.toMatchObject({
      code: 'E_PROVIDER_RATE_LIMIT',
    });
    expect(stub.requests).toHaveLength(1);
  });
});
