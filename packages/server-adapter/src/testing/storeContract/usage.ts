import assert from 'node:assert/strict';
import type { NodeResultInput } from '../../store/types';
import { ALICE, adHoc, BOB, content, JAN_1, type WithStore, zeroCounts } from './fixtures';

const DAY = 24 * 60 * 60 * 1000;

/** A finished LLM node result that made one call. */
function called(
  nodeId: string,
  tokens: { in: number; out: number; usd: number },
  extra: Partial<NodeResultInput> = {},
  model = 'gemini-2.5-flash',
): NodeResultInput {
  return {
    nodeId,
    status: 'SUCCESS',
    attempts: 1,
    startedAt: JAN_1,
    finishedAt: JAN_1 + 1000,
    output: { text: 'ok' },
    meta: {
      provider: 'gemini',
      model,
      usage: {
        inputTokens: tokens.in,
        outputTokens: tokens.out,
        totalTokens: tokens.in + tokens.out,
      },
      costUsd: tokens.usd,
    },
    ...extra,
  };
}

/** The token and cost ledger (`store.usage`): counted with node results, once per run and node. */
export function usageRules(withStore: WithStore): void {
  withStore(
    'usage: a node result that made a call is counted once per run and node',
    async (store) => {
      assert.ok(store.usage, 'store.usage');
      const created = await store.createRun(ALICE, adHoc());
      assert.ok(created.ok);
      const runId = created.run.id;
      // Running, reused and call-less results add nothing.
      await store.recordNodeResult(runId, {
        nodeId: 'a',
        status: 'RUNNING',
        attempts: 1,
        startedAt: JAN_1,
      });
      await store.recordNodeResult(
        runId,
        called('r', { in: 999, out: 999, usd: 9 }, { reused: true, attempts: 0 }),
      );
      await store.recordNodeResult(runId, {
        nodeId: 't',
        status: 'SUCCESS',
        attempts: 1,
        output: { text: 'x' },
      });
      await store.recordNodeResult(runId, called('a', { in: 100, out: 20, usd: 0.5 }));
      // The same node's result written again (a retried write, a resumed run) is not counted again.
      await store.recordNodeResult(runId, called('a', { in: 100, out: 20, usd: 0.5 }));
      const claimed = await store.claimRun({ workerId: 'w1', leaseMs: 60_000, runId });
      assert.ok(claimed);
      await store.recordRunProgress(runId, 'w1', {
        nodeResults: [
          called('a', { in: 100, out: 20, usd: 0.5 }),
          called('b', { in: 10, out: 5, usd: 0.25 }),
        ],
      });
      const day = '2025-01-01';
      assert.deepEqual(
        await store.usage.listUsage({ ownerId: ALICE, from: day, to: day, groupBy: 'day' }),
        [{ day, inputTokens: 110, outputTokens: 25, costUsd: 0.75, calls: 2, estimatedCalls: 0 }],
      );
      assert.deepEqual(await store.usage.usageTotals(ALICE, day, day), {
        inputTokens: 110,
        outputTokens: 25,
        costUsd: 0.75,
        calls: 2,
        estimatedCalls: 0,
      });
      // The run's own sum is kept with its end.
      const usage = {
        inputTokens: 110,
        outputTokens: 25,
        costUsd: 0.75,
        calls: 2,
        estimated: false,
        models: [{ provider: 'gemini', model: 'gemini-2.5-flash' }],
      };
      assert.ok(
        await store.finishRun(runId, 'w1', {
          status: 'SUCCESS',
          error: null,
          counts: { ...zeroCounts, total: 2, success: 2 },
          durationMs: 1000,
          usage,
          progress: { nodeResults: [called('b', { in: 10, out: 5, usd: 0.25 })] },
        }),
      );
      assert.deepEqual((await store.getRun(ALICE, runId))?.usage, usage);
      assert.deepEqual((await store.usage.usageTotals(ALICE, day, day)).calls, 2);
    },
  );

  withStore(
    'usage: grouped by UTC day, workflow and model; scoped to the owner',
    async (store, clock) => {
      assert.ok(store.usage);
      const workflow = await store.createWorkflow(ALICE, content('Summaries'));
      const saved = await store.createRun(
        ALICE,
        adHoc({ workflowId: workflow.id, workflowVersion: 1, graph: null }),
      );
      const unsaved = await store.createRun(ALICE, adHoc());
      const bobs = await store.createRun(BOB, adHoc());
      assert.ok(saved.ok && unsaved.ok && bobs.ok);
      // 23:59:59.999 on Jan 1 and the first moment of Jan 2, UTC.
      const lastMoment = { finishedAt: JAN_1 + DAY - 1 };
      const nextDay = { finishedAt: JAN_1 + DAY };
      await store.recordNodeResult(
        saved.run.id,
        called('a', { in: 1, out: 2, usd: 0.001 }, lastMoment),
      );
      await store.recordNodeResult(
        saved.run.id,
        called('b', { in: 10, out: 20, usd: 0.01 }, nextDay, 'gemini-2.5-pro'),
      );
      await store.recordNodeResult(
        unsaved.run.id,
        called(
          'a',
          { in: 100, out: 200, usd: 0.1 },
          {
            ...nextDay,
            meta: {
              provider: 'groq',
              model: 'llama-3.1-8b-instant',
              usage: { inputTokens: 100, outputTokens: 200, estimated: true },
              costUsd: 0.1,
            },
          },
        ),
      );
      await store.recordNodeResult(
        bobs.run.id,
        called('a', { in: 5000, out: 5000, usd: 5 }, nextDay),
      );
      clock.ms += 10 * DAY;

      const period = { ownerId: ALICE, from: '2025-01-01', to: '2025-01-31' };
      assert.deepEqual(await store.usage.listUsage({ ...period, groupBy: 'day' }), [
        {
          day: '2025-01-01',
          inputTokens: 1,
          outputTokens: 2,
          costUsd: 0.001,
          calls: 1,
          estimatedCalls: 0,
        },
        {
          day: '2025-01-02',
          inputTokens: 110,
          outputTokens: 220,
          costUsd: 0.11,
          calls: 2,
          estimatedCalls: 1,
        },
      ]);
      assert.deepEqual(await store.usage.listUsage({ ...period, groupBy: 'workflow' }), [
        {
          workflowId: null,
          inputTokens: 100,
          outputTokens: 200,
          costUsd: 0.1,
          calls: 1,
          estimatedCalls: 1,
        },
        {
          workflowId: workflow.id,
          inputTokens: 11,
          outputTokens: 22,
          costUsd: 0.011,
          calls: 2,
          estimatedCalls: 0,
        },
      ]);
      assert.deepEqual(
        (await store.usage.listUsage({ ...period, groupBy: 'model' })).map((row) => [
          row.provider,
          row.model,
          row.calls,
        ]),
        [
          ['gemini', 'gemini-2.5-flash', 1],
          ['gemini', 'gemini-2.5-pro', 1],
          ['groq', 'llama-3.1-8b-instant', 1],
        ],
      );
      // The period's days are included at both ends, and nothing outside it.
      assert.equal(
        (await store.usage.usageTotals(ALICE, '2025-01-02', '2025-01-02')).inputTokens,
        110,
      );
      assert.equal((await store.usage.usageTotals(ALICE, '2024-12-01', '2024-12-31')).calls, 0);
      // Bob's calls are not Alice's; a host's report across owners names each.
      assert.equal(
        (await store.usage.usageTotals(BOB, '2025-01-01', '2025-01-31')).inputTokens,
        5000,
      );
      const everyone = await store.usage.listUsage({
        from: '2025-01-02',
        to: '2025-01-02',
        groupBy: 'day',
      });
      assert.deepEqual(
        everyone.map((row) => [row.ownerId, row.inputTokens]),
        [
          [ALICE, 110],
          [BOB, 5000],
        ],
      );
    },
  );

  withStore('usage: totals outlive the runs they came from', async (store, clock) => {
    assert.ok(store.usage);
    const created = await store.createRun(ALICE, adHoc());
    assert.ok(created.ok);
    const runId = created.run.id;
    await store.claimRun({ workerId: 'w1', leaseMs: 60_000, runId });
    await store.finishRun(runId, 'w1', {
      status: 'SUCCESS',
      error: null,
      counts: { ...zeroCounts, total: 1, success: 1 },
      durationMs: 5,
      progress: { nodeResults: [called('a', { in: 7, out: 3, usd: 0.002 })] },
    });
    assert.deepEqual(await store.deleteRun(ALICE, runId), { ok: true });
    clock.ms += DAY;
    assert.equal((await store.usage.usageTotals(ALICE, '2025-01-01', '2025-01-01')).inputTokens, 7);
  });
}
