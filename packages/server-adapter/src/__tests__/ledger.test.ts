import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  builtinNodes,
  createProviderSet,
  createRegistry,
  llmContext,
  type WorkflowInput,
} from '@galaxyflow/engine';
import { createGroqProvider } from '@galaxyflow/engine/providers/groq';
import { type LLMStub, startLLMStub } from '@galaxyflow/engine/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BudgetLimits, createBudgetGuard } from '../budget';
import { executeRun } from '../executeRun';
import { createSqliteStore } from '../store/sqlite/index';
import type { GalaxyStore, NodeResultRecord } from '../store/types';
import { ALICE, BOB, BOB_TOKEN, type Harness, makeHarnessFactory } from './harness';

const dir = mkdtempSync(join(tmpdir(), 'galaxy-ledger-'));
const registry = createRegistry(builtinNodes);
let stub: LLMStub;
let context: ReturnType<typeof llmContext>;
beforeAll(async () => {
  stub = await startLLMStub();
  const providers = createProviderSet({
    providers: [createGroqProvider({ apiKey: 'k', baseUrl: stub.url })],
    resilience: { retry: { maxAttempts: 1 }, circuitBreaker: false },
  });
  context = llmContext({ providers });
});
afterAll(async () => {
  await stub.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => stub.reset());

const MODEL = 'llama-3.1-8b-instant';
/** Each call: 5 input tokens (the 20-character prompt's estimate, so holds are exact) and 100 out. */
const CALL_TOKENS = 105;

/** A question asked of `asks` LLM nodes at once, each allowed 100 output tokens. */
function asking(asks: number, settings: WorkflowInput['settings'] = {}): WorkflowInput {
  const ids = Array.from({ length: asks }, (_, i) => `ask${i + 1}`);
  return {
    nodes: [
      { id: 'q', type: 'text', data: { text: 'Why is the sky blue?' } },
      ...ids.map((id) => ({
        id,
        type: 'llm',
        data: { provider: 'groq', model: MODEL, maxTokens: 100, retryPolicy: { maxAttempts: 1 } },
      })),
    ],
    edges: ids.map((id) => ({
      id: `e-${id}`,
      source: 'q',
      sourceHandle: 'text',
      target: id,
      targetHandle: 'prompt',
    })),
    settings,
  };
}

/** Answers for the next `count` calls, each taking `delayMs`. */
function answers(count: number, delayMs = 0): void {
  for (let i = 0; i < count; i++) {
    stub.enqueue({
      type: 'text',
      text: 'Rayleigh.',
      delayMs,
      usage: { inputTokens: 5, outputTokens: 100 },
    });
  }
}

let stores = 0;
function freshStore(now?: () => number): GalaxyStore {
  return createSqliteStore({ path: join(dir, `ledger-${++stores}.db`), ...(now ? { now } : {}) });
}

interface Worker {
  store: GalaxyStore;
  limits?: BudgetLimits;
  clock?: { ms: number };
  concurrency?: number;
}

/** Queues the graph for Alice and runs it to the end in this process, as a worker would. */
async function runFor(worker: Worker, graph: WorkflowInput, reuseRunId: string | null = null) {
  const { store, clock } = worker;
  await store.ensureUser(ALICE);
  const created = await store.createRun(ALICE, {
    workflowId: null,
    workflowVersion: null,
    graph: graph as never,
    scope: 'FULL',
    targetNodeIds: null,
    reuseRunId,
  });
  if (!created.ok) throw new Error('not created');
  const now = clock ? () => clock.ms : Date.now;
  const outcome = await executeRun(created.run.id, {
    store,
    registry,
    context,
    now,
    engine: { concurrency: worker.concurrency ?? 4 },
    ...(worker.limits
      ? { budget: createBudgetGuard({ usage: store.usage!, limits: worker.limits, now }) }
      : {}),
  });
  expect(outcome.outcome).toBe('finished');
  const detail = await store.getRunDetail(ALICE, created.run.id);
  const byNode = new Map(detail!.nodeResults.map((r) => [r.nodeId, r]));
  return { run: detail!.run, byNode, refused: refusedIn(detail!.nodeResults) };
}

function refusedIn(results: readonly NodeResultRecord[]): NodeResultRecord[] {
  return results.filter((r) => r.error?.code === 'E_BUDGET_EXCEEDED');
}

async function tokensOf(store: GalaxyStore, day: string): Promise<number> {
  const totals = await store.usage!.usageTotals(ALICE, day, day);
  return totals.inputTokens + totals.outputTokens;
}

const today = () => new Date().toISOString().slice(0, 10);

describe('budgets', () => {
  it('refuses the first call of a user already over the limit, with no request made', async () => {
    const worker = { store: freshStore(), limits: { dailyTokens: 100 } };
    answers(1);
    const first = await runFor(worker, asking(1));
    expect(first.run.status).toBe('SUCCESS');
    expect(stub.requests).toHaveLength(1);

    const second = await runFor(worker, asking(1));
    expect(stub.requests).toHaveLength(1);
    expect(second.run.status).toBe('FAILED');
    const error = second.byNode.get('ask1')?.error;
    expect(error).toMatchObject({
      code: 'E_BUDGET_EXCEEDED',
      retryable: false,
      nodeId: 'ask1',
      details: { limit: 'dailyTokens', max: 100, used: 105 },
    });
    expect(error?.message).toMatch(
      /daily token limit of 100 tokens is reached.*resets at \d{4}-\d{2}-\d{2}T00:00:00\.000Z/,
    );
    expect(second.run.error?.code).toBe('E_BUDGET_EXCEEDED');
    // Nothing was called, so nothing is counted.
    expect(await tokensOf(worker.store, today())).toBe(CALL_TOKENS);
    expect(second.run.usage).toMatchObject({ calls: 0, inputTokens: 0, outputTokens: 0 });
    await worker.store.close();
  });

  it('stops parallel calls mid-run, passing the limit by no more than the calls in flight may produce', async () => {
    const worker = { store: freshStore(), limits: { dailyTokens: 500 }, concurrency: 4 };
    answers(12, 40);
    const result = await runFor(worker, asking(12, { failureMode: 'fail_safe' }));
    const calls = stub.requests.length;
    const used = await tokensOf(worker.store, today());
    // Every call made is counted, once.
    expect(used).toBe(calls * CALL_TOKENS);
    // The limit was reached, and passed by at most the four calls in flight.
    expect(used).toBeGreaterThanOrEqual(500);
    expect(used).toBeLessThanOrEqual(500 + 4 * CALL_TOKENS);
    expect(calls).toBeLessThan(12);
    expect(result.refused).toHaveLength(12 - calls);
    expect(result.run.status).toBe('PARTIAL');
    expect(result.run.usage).toMatchObject({
      inputTokens: calls * 5,
      outputTokens: calls * 100,
      calls,
      models: [{ provider: 'groq', model: MODEL }],
    });
    await worker.store.close();
  });

  it('lets calls through again at the next UTC day, but not past a monthly limit', async () => {
    const clock = { ms: Date.UTC(2026, 11, 5, 23, 59, 30) };
    // The store, the worker and the budget read one clock.
    const daily = { store: freshStore(() => clock.ms), limits: { dailyTokens: 100 }, clock };
    answers(1);
    expect((await runFor(daily, asking(1))).run.status).toBe('SUCCESS');
    const refused = await runFor(daily, asking(1));
    expect(refused.byNode.get('ask1')?.error?.details).toMatchObject({
      limit: 'dailyTokens',
      resetsAt: Date.UTC(2026, 11, 6),
    });
    expect(refused.byNode.get('ask1')?.error?.message).toContain('2026-12-06T00:00:00.000Z');
    clock.ms = Date.UTC(2026, 11, 6, 0, 0, 1);
    answers(1);
    expect((await runFor(daily, asking(1))).run.status).toBe('SUCCESS');
    expect(stub.requests).toHaveLength(2);
    expect(await tokensOf(daily.store, '2026-12-05')).toBe(CALL_TOKENS);
    expect(await tokensOf(daily.store, '2026-12-06')).toBe(CALL_TOKENS);

    // The same usage against a monthly limit: the new day does not reset it, the new month does.
    const monthly = { store: daily.store, limits: { monthlyTokens: 200 }, clock };
    const stillRefused = await runFor(monthly, asking(1));
    expect(stillRefused.byNode.get('ask1')?.error?.details).toMatchObject({
      limit: 'monthlyTokens',
      used: 210,
      resetsAt: Date.UTC(2027, 0, 1),
    });
    clock.ms = Date.UTC(2027, 0, 1, 0, 0, 1);
    answers(1);
    expect((await runFor(monthly, asking(1))).run.status).toBe('SUCCESS');
    await daily.store.close();
  });

  it('lets a per-user override lift or lower the limit', async () => {
    const store = freshStore();
    await store.ensureUser(ALICE);
    const guard = createBudgetGuard({
      usage: store.usage!,
      limits: { dailyTokens: 1_000_000 },
      limitsFor: (userId) => (userId === ALICE ? { dailyTokens: 0 } : undefined),
    });
    expect(await guard.standing(ALICE)).toEqual([
      expect.objectContaining({ limit: 'dailyTokens', max: 0, used: 0 }),
    ]);
    await expect(
      guard.forRun(ALICE, 'r').reserve({
        nodeId: 'n',
        provider: 'groq',
        model: MODEL,
        inputTokens: 1,
        maxOutputTokens: 1,
        maxCostUsd: undefined,
      }),
    ).rejects.toMatchObject({ code: 'E_BUDGET_EXCEEDED' });
    expect((await guard.standing(BOB))[0]?.max).toBe(1_000_000);
    await store.close();
  });
});

describe('the ledger', () => {
  it('does not count results a later run reuses', async () => {
    const worker = { store: freshStore() };
    answers(1);
    const first = await runFor(worker, asking(1));
    expect(first.byNode.get('ask1')?.meta).toMatchObject({
      usage: { inputTokens: 5, outputTokens: 100 },
      costUsd: 0.00000825,
    });
    const again = await runFor(worker, asking(1), first.run.id);
    expect(again.byNode.get('ask1')?.reused).toBe(true);
    expect(stub.requests).toHaveLength(1);
    expect(await tokensOf(worker.store, today())).toBe(CALL_TOKENS);
    expect(again.run.usage).toMatchObject({ calls: 0 });
    await worker.store.close();
  });
});

describe('GET /usage', () => {
  let api: Harness;
  beforeAll(async () => {
    api = await makeHarnessFactory('express')({
      context: llmContext({
        providers: createProviderSet({
          providers: [createGroqProvider({ apiKey: 'k', baseUrl: stub.url })],
          resilience: { retry: { maxAttempts: 1 }, circuitBreaker: false },
        }),
      }),
      budgets: { limits: { dailyTokens: 10_000, monthlyCostUsd: 5 } },
    });
  });
  afterAll(() => api.close());

  it('reports the caller’s own usage by day, workflow and model, with their limits', async () => {
    const saved = await api.request('POST', '/workflows', { json: { name: 'Sky', ...asking(2) } });
    expect(saved.status).toBe(201);
    answers(3);
    expect(
      (await api.request('POST', '/execute', { json: { workflowId: saved.body.id } })).status,
    ).toBe(202);
    expect((await api.request('POST', '/execute', { json: asking(1) })).status).toBe(202);
    await api.queue.idle();
    const day = today();

    const byDay = await api.request('GET', '/usage');
    expect(byDay.status).toBe(200);
    expect(byDay.body).toMatchObject({
      to: day,
      groupBy: 'day',
      rows: [{ day, inputTokens: 15, outputTokens: 300, calls: 3, estimatedCalls: 0 }],
      total: { inputTokens: 15, outputTokens: 300, calls: 3 },
      pricesAsOf: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      budgets: [
        { limit: 'dailyTokens', max: 10_000, used: 315 },
        { limit: 'monthlyCostUsd', max: 5 },
      ],
    });
    // The default period is the last 30 days, today included.
    expect(Date.parse(day) - Date.parse(byDay.body.from)).toBe(29 * 24 * 60 * 60 * 1000);

    const byWorkflow = await api.request('GET', `/usage?groupBy=workflow&from=${day}&to=${day}`);
    expect(
      byWorkflow.body.rows.map((r: { workflowId: string | null; calls: number }) => [
        r.workflowId,
        r.calls,
      ]),
    ).toEqual(
      // The unsaved graph's run first.
      [
        [null, 1],
        [saved.body.id, 2],
      ],
    );
    const byModel = await api.request('GET', '/usage?groupBy=model');
    expect(byModel.body.rows).toEqual([
      expect.objectContaining({ provider: 'groq', model: MODEL, calls: 3, costUsd: 0.00002475 }),
    ]);

    // Runs carry their own sums.
    const runs = await api.request('GET', '/runs');
    expect(runs.body.items.map((r: { usage: { calls: number } }) => r.usage.calls).sort()).toEqual([
      1, 2,
    ]);

    // Bob sees none of it; the host sees everyone's through the store.
    const bobs = await api.request('GET', '/usage', { token: BOB_TOKEN });
    expect(bobs.body.rows).toEqual([]);
    expect(bobs.body.total.calls).toBe(0);
    const everyone = await api.store.usage!.listUsage({ from: day, to: day, groupBy: 'day' });
    expect(everyone.map((r) => r.ownerId)).toEqual([ALICE]);
    expect(everyone.some((r) => r.ownerId === BOB)).toBe(false);
  });

  it('answers 401 without credentials and a problem document for a bad period or grouping', async () => {
    expect((await api.request('GET', '/usage', { token: null })).status).toBe(401);
    for (const query of [
      'groupBy=week',
      'from=2025-02-30',
      'from=2025-1-01',
      'from=2025-03-02&to=2025-03-01',
      'from=2020-01-01&to=2025-01-01',
    ]) {
      const res = await api.request('GET', `/usage?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('E_INVALID_QUERY');
    }
  });
});
