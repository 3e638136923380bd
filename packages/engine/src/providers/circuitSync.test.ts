import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GalaxyError } from '../errors';
import { type LLMStub, startLLMStub } from '../testing/index';
import { type CircuitChange, type CircuitSync, createCircuitBreaker } from './circuitBreaker';
import { createGeminiProvider } from './gemini';
import { createGroqProvider } from './groq';
import { createProviderSet, type ProviderSetOptions } from './providerSet';

let stub: LLMStub;
beforeAll(async () => {
  stub = await startLLMStub();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

type Listener = (name: string, change: CircuitChange) => void;

/**
 * Processes sharing breaker changes, in one test process: what one publishes, the others hear
 * (never itself), and a newcomer hears the breakers that are open now, as a shared store does.
 */
function syncGroup(clock: () => number) {
  const members: { listeners: Set<Listener> }[] = [];
  const openUntil = new Map<string, number>();
  const published: [string, CircuitChange][] = [];
  return {
    published,
    join(): CircuitSync & { listenerCount(): number } {
      const self = { listeners: new Set<Listener>() };
      members.push(self);
      return {
        publish(name, change) {
          published.push([name, change]);
          if (change.state === 'open') openUntil.set(name, clock() + change.retryAfterMs);
          else openUntil.delete(name);
          for (const member of members) {
            if (member === self) continue;
            for (const listener of member.listeners) listener(name, change);
          }
        },
        subscribe(names, listener) {
          self.listeners.add(listener);
          for (const name of names) {
            const until = openUntil.get(name);
            if (until !== undefined && until > clock()) {
              listener(name, { state: 'open', retryAfterMs: until - clock() });
            }
          }
          return () => self.listeners.delete(listener);
        },
        listenerCount: () => self.listeners.size,
      };
    },
  };
}

function instance(sync: CircuitSync, options: Partial<ProviderSetOptions> = {}) {
  return createProviderSet({
    providers: [
      createGeminiProvider({ apiKey: 'k', baseUrl: stub.url }),
      createGroqProvider({ apiKey: 'k', baseUrl: stub.url }),
    ],
    resilience: {
      retry: { maxAttempts: 1 },
      circuitBreaker: { failureThreshold: 2, cooldownMs: 10_000 },
    },
    circuitSync: sync,
    ...options,
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

describe('circuit breakers shared through a CircuitSync', () => {
  it('a breaker that opens on one instance stops calls on the other', async () => {
    let clock = 1_000_000;
    const group = syncGroup(() => clock);
    const a = instance(group.join(), { now: () => clock });
    const b = instance(group.join(), { now: () => clock, fallbacks: { groq: ['gemini'] } });
    stub.enqueue({ type: 'error', status: 500 }, { type: 'error', status: 500 });
    await rejection(a.complete({ provider: 'groq', prompt: '1' }));
    await rejection(a.complete({ provider: 'groq', prompt: '2' }));
    expect(a.circuitState('groq')).toBe('open');
    expect(b.circuitState('groq')).toBe('open');
    expect(b.circuitState('gemini')).toBe('closed');

    // B never asks groq: it falls back at once, and without a fallback fails fast.
    const answer = await b.complete({ provider: 'groq', prompt: 'via b' });
    expect(answer).toMatchObject({ provider: 'gemini', fallbackFrom: ['groq'] });
    expect(await rejection(a.complete({ provider: 'groq', prompt: 'a again' }))).toMatchObject({
      code: 'E_CIRCUIT_OPEN',
    });
    expect(stub.requests.map((r) => r.api)).toEqual(['groq', 'groq', 'gemini']);

    // After the cool-down B's trial succeeds, and A closes too.
    clock += 10_000;
    expect(b.circuitState('groq')).toBe('half-open');
    const trial = await b.complete({ provider: 'groq', prompt: 'trial' });
    expect(trial.provider).toBe('groq');
    expect(a.circuitState('groq')).toBe('closed');
    expect((await a.complete({ provider: 'groq', prompt: 'back' })).provider).toBe('groq');
    expect(group.published).toEqual([
      ['groq', { state: 'open', retryAfterMs: 10_000 }],
      ['groq', { state: 'closed' }],
    ]);
  });

  it('an instance that starts while a breaker is open starts with it open, for what is left', async () => {
    let clock = 0;
    const group = syncGroup(() => clock);
    const a = instance(group.join(), { now: () => clock });
    stub.enqueue({ type: 'error', status: 503 }, { type: 'error', status: 503 });
    await rejection(a.complete({ provider: 'gemini', prompt: '1' }));
    await rejection(a.complete({ provider: 'gemini', prompt: '2' }));
    clock += 4_000;
    const late = instance(group.join(), { now: () => clock });
    const error = await rejection(late.complete({ provider: 'gemini', prompt: 'late' }));
    expect(error).toMatchObject({ code: 'E_CIRCUIT_OPEN', details: { retryAfterMs: 6_000 } });
    expect(stub.requests).toHaveLength(2);
    clock += 6_000;
    expect(late.circuitState('gemini')).toBe('half-open');
  });

  it('a failing trial on one instance reopens the breaker on the other', async () => {
    let clock = 0;
    const group = syncGroup(() => clock);
    const a = instance(group.join(), { now: () => clock });
    const b = instance(group.join(), { now: () => clock });
    stub.enqueue(
      { type: 'error', status: 500 },
      { type: 'error', status: 500 },
      { type: 'error', status: 502 },
    );
    await rejection(a.complete({ provider: 'groq', prompt: '1' }));
    await rejection(a.complete({ provider: 'groq', prompt: '2' }));
    clock += 10_000;
    await rejection(b.complete({ provider: 'groq', prompt: 'trial' }));
    expect(b.circuitState('groq')).toBe('open');
    // A's cool-down had run out too; B's failed trial starts a new one on A.
    expect(a.circuitState('groq')).toBe('open');
    expect(await rejection(a.complete({ provider: 'groq', prompt: 'no' }))).toMatchObject({
      code: 'E_CIRCUIT_OPEN',
    });
    expect(stub.requests).toHaveLength(3);
  });

  it('close() stops following the others; calls go on', async () => {
    const group = syncGroup(Date.now);
    const mine = group.join();
    const a = instance(group.join());
    const b = instance(mine);
    expect(mine.listenerCount()).toBe(1);
    b.close();
    b.close();
    expect(mine.listenerCount()).toBe(0);
    stub.enqueue({ type: 'error', status: 500 }, { type: 'error', status: 500 });
    await rejection(a.complete({ provider: 'groq', prompt: '1' }));
    await rejection(a.complete({ provider: 'groq', prompt: '2' }));
    expect(a.circuitState('groq')).toBe('open');
    expect(b.circuitState('groq')).toBe('closed');
    expect((await b.complete({ provider: 'groq', prompt: 'still' })).provider).toBe('groq');
  });

  it('providers without a breaker are not followed', () => {
    const group = syncGroup(Date.now);
    const sync = group.join();
    const names: string[][] = [];
    const set = instance(
      {
        publish: sync.publish,
        subscribe(subscribed, listener) {
          names.push([...subscribed]);
          return sync.subscribe(subscribed, listener);
        },
      },
      { perProvider: { gemini: { circuitBreaker: false } } },
    );
    expect(names).toEqual([['groq']]);
    expect(set.circuitState('gemini')).toBeUndefined();
  });
});

describe('createCircuitBreaker onChange and follow', () => {
  it('reports opening and closing once each, not every call', () => {
    let clock = 0;
    const changes: CircuitChange[] = [];
    const breaker = createCircuitBreaker({
      failureThreshold: 2,
      cooldownMs: 1_000,
      now: () => clock,
      onChange: (change) => changes.push(change),
    });
    for (let i = 0; i < 3; i++) {
      breaker.acquire();
      breaker.success();
    }
    breaker.acquire();
    breaker.failure();
    expect(changes).toEqual([]);
    breaker.acquire();
    breaker.failure();
    expect(changes).toEqual([{ state: 'open', retryAfterMs: 1_000 }]);
    clock += 1_000;
    expect(breaker.acquire()).toEqual({ allowed: true });
    breaker.success();
    breaker.acquire();
    breaker.success();
    expect(changes).toEqual([{ state: 'open', retryAfterMs: 1_000 }, { state: 'closed' }]);
  });

  it('follows a change without reporting it, and forgets its own count of failures', () => {
    let clock = 0;
    const changes: CircuitChange[] = [];
    const breaker = createCircuitBreaker({
      failureThreshold: 2,
      now: () => clock,
      onChange: (change) => changes.push(change),
    });
    breaker.acquire();
    breaker.failure();
    breaker.follow({ state: 'open', retryAfterMs: 500 });
    expect(breaker.state).toBe('open');
    expect(breaker.acquire()).toEqual({ allowed: false, retryAfterMs: 500 });
    clock += 500;
    expect(breaker.state).toBe('half-open');
    breaker.follow({ state: 'closed' });
    expect(breaker.state).toBe('closed');
    // The failure before the follow no longer counts: one more does not open it.
    breaker.acquire();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual([]);
  });
});
