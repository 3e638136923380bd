import { describe, expect, it } from 'vitest';
import { hashNodeRun } from './hash';

describe('hashNodeRun', () => {
  const inputs = { prompt: 'Why is the sky blue?' };
  const data = { provider: 'gemini', model: 'gemini-2.5-flash' };

  it('ignores the common keys, which the node never sees: a rename or new run controls keep the hash', () => {
    const hash = hashNodeRun('llm', data, inputs);
    expect(hashNodeRun('llm', { ...data, label: 'Ask' }, inputs)).toBe(hash);
    expect(hashNodeRun('llm', { timeoutMs: 1_000, retryPolicy: { maxAttempts: 5 }, failureMode: 'fail_safe', ...data }, inputs)).toBe(hash);
  });

  it("changes with the type, the type's own data and the inputs", () => {
    const hash = hashNodeRun('llm', data, inputs);
    expect(hashNodeRun('vision', data, inputs)).not.toBe(hash);
    expect(hashNodeRun('llm', { ...data, model: 'gemini-2.5-pro' }, inputs)).not.toBe(hash);
    expect(hashNodeRun('llm', { ...data, label: 'Ask' }, { prompt: 'Why is grass green?' })).not.toBe(hash);
  });
});
