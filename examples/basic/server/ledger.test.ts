import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProviderSet, llmContext } from '@galaxyflow/engine';
import { createOpenAICompatibleProvider } from '@galaxyflow/engine/providers/openai-compatible';
import { type LLMStub, startLLMStub } from '@galaxyflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { ledgerSettingsOf } from './ledger';
import { type RunningApp, startTestApp, TEST_TOKEN } from './testSupport';

const dir = mkdtempSync(join(tmpdir(), 'galaxyflow-prices-'));
const auth = { authorization: `Bearer ${TEST_TOKEN}` };
const pricesFile = join(dir, 'prices.json');
writeFileSync(
  pricesFile,
  JSON.stringify({
    asOf: '2026-12-01',
    models: { local: { eyes: { inputPerMillion: 1000, outputPerMillion: 2000 } } },
  }),
);

let running: RunningApp;
let stub: LLMStub;
let base: string;
beforeAll(async () => {
  stub = await startLLMStub();
  const providers = createProviderSet({
    providers: [
      createOpenAICompatibleProvider({ baseUrl: stub.url, name: 'local', defaultModel: 'eyes' }),
    ],
    resilience: { retry: { maxAttempts: 1 }, circuitBreaker: false },
  });
  running = await startTestApp(
    { BUDGET_DAILY_TOKENS: '100', BUDGET_MONTHLY_COST_USD: '1.5', PRICES_FILE: pricesFile },
    { context: llmContext({ providers }) },
  );
  base = `http://127.0.0.1:${running.port}/api`;
});
afterAll(async () => {
  await running?.close();
  await stub?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ask(): Promise<{ status: string; error?: { code: string; message: string } }> {
  const started = await fetch(`${base}/execute`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      nodes: [
        { id: 'q', type: 'text', data: { text: 'Hello there, model!' } },
        { id: 'ask', type: 'llm', data: { provider: 'local', retryPolicy: { maxAttempts: 1 } } },
      ],
      edges: [
        { id: 'e', source: 'q', sourceHandle: 'text', target: 'ask', targetHandle: 'prompt' },
      ],
    }),
  });
  expect(started.status).toBe(202);
  const { runId } = (await started.json()) as { runId: string };
  for (let i = 0; i < 100; i++) {
    const { run } = (await (await fetch(`${base}/runs/${runId}`, { headers: auth })).json()) as {
      run: { status: string; error: { code: string; message: string } | null };
    };
    if (!['QUEUED', 'RUNNING'].includes(run.status))
      return { status: run.status, ...(run.error ? { error: run.error } : {}) };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the run did not end');
}

describe('budgets and prices in the reference app', () => {
  it('prices calls with PRICES_FILE and stops a user at BUDGET_DAILY_TOKENS', async () => {
    stub.enqueue({ type: 'text', text: 'Hi!', usage: { inputTokens: 40, outputTokens: 80 } });
    expect((await ask()).status).toBe('SUCCESS');
    const refused = await ask();
    expect(refused.status).toBe('FAILED');
    expect(refused.error?.code).toBe('E_BUDGET_EXCEEDED');
    expect(refused.error?.message).toContain('daily token limit of 100 tokens');
    expect(stub.requests).toHaveLength(1);

    const usage = (await (
      await fetch(`${base}/usage?groupBy=model`, { headers: auth })
    ).json()) as {
      rows: unknown[];
      pricesAsOf: string;
      budgets: { limit: string; used: number }[];
    };
    // 40 × $1000/M + 80 × $2000/M = $0.2
    expect(usage.rows).toEqual([
      expect.objectContaining({ provider: 'local', model: 'eyes', calls: 1, costUsd: 0.2 }),
    ]);
    expect(usage.pricesAsOf).toBe('2026-12-01');
    expect(usage.budgets).toEqual([
      expect.objectContaining({ limit: 'dailyTokens', used: 120 }),
      expect.objectContaining({ limit: 'monthlyCostUsd', used: 0.2 }),
    ]);
  });

  it('refuses a price file that is not a price table, saying what it expects', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ asOf: 'December', models: {} }));
    expect(() => ledgerSettingsOf(loadConfig({ PRICES_FILE: bad }))).toThrow(
      /PRICES_FILE .* asOf: asOf must be a day/,
    );
    expect(() => loadConfig({ BUDGET_DAILY_COST_USD: '-1' })).toThrow(
      /BUDGET_DAILY_COST_USD must be an amount of US dollars/,
    );
    expect(ledgerSettingsOf(loadConfig({})).budgets).toBeUndefined();
  });
});
