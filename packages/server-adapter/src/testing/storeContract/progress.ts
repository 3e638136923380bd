import assert from 'node:assert/strict';
import type { RunEvent } from '@galaxyflow/engine';
import { ALICE, adHoc, emptyResult, JAN_1, type WithStore, zeroCounts } from './fixtures';

/** What a run produces: node results, logs, numbered events, and the end a lease holder writes. */
export function progressRules(withStore: WithStore): void {
  withStore('node results are one per node; logs and events keep their order', async (store) => {
    const created = await store.createRun(ALICE, adHoc());
    assert.ok(created.ok);
    const runId = created.run.id;
    const base = { attempts: 1, startedAt: JAN_1 };
    await store.recordNodeResult(runId, { ...base, nodeId: 'b', status: 'RUNNING' });
    await store.recordNodeResult(runId, { ...base, nodeId: 'a', status: 'RUNNING' });
    await store.recordNodeResult(runId, {
      ...base,
      nodeId: 'b',
      status: 'SUCCESS',
      output: { text: 'hi' },
      finishedAt: JAN_1 + 1000,
      durationMs: 1000,
      hash: 'h',
    });
    // The engine's log lines as they are: `data` and `nodeId` absent when there are none.
    const logs = [
      { nodeId: 'b', level: 'info' as const, message: 'one', data: { n: 1 }, at: 1 },
      { level: 'warn' as const, message: 'two', at: 2 },
    ];
    await store.appendLogs(runId, logs);
    const events: RunEvent[] = [
      { type: 'run:start', runId, at: 1, nodeIds: ['a', 'b'] },
      { type: 'node:start', runId, at: 2, nodeId: 'b', nodeType: 'text', attempt: 1 },
    ];
    const stored = await store.appendRunEvents(runId, events);
    assert.deepEqual(
      stored.map((e) => e.seq),
      [1, 2],
    );
    const more = await store.appendRunEvents(runId, [
      { type: 'node:delta', runId, at: 3, nodeId: 'b', delta: 'h' },
    ]);
    assert.deepEqual(
      more.map((e) => e.seq),
      [3],
    );
    const after1 = await store.listRunEvents(runId, 1);
    assert.deepEqual(
      after1.map((e) => [e.seq, e.event.type]),
      [
        [2, 'node:start'],
        [3, 'node:delta'],
      ],
    );
    assert.deepEqual(
      (await store.listRunEvents(runId, 0, 1)).map((e) => e.seq),
      [1],
    );
    // A Map's progress and a sub-workflow's nested events come back exactly as written.
    const nested: RunEvent[] = [
      { type: 'node:progress', runId, at: 4, nodeId: 'b', done: 7, total: 20 },
      {
        type: 'node:child',
        runId,
        at: 5,
        nodeId: 'b',
        path: ['b', 'inner'],
        event: {
          type: 'node:finish',
          runId: `${runId}/b/inner`,
          at: 5,
          nodeId: 'x',
          result: { status: 'SUCCESS', attempts: 1, output: { value: [1, 'two'] } },
        },
      },
    ];
    await store.appendRunEvents(runId, nested);
    assert.deepEqual(
      (await store.listRunEvents(runId, 3)).map((e) => [e.seq, e.event]),
      [
        [4, nested[0]],
        [5, nested[1]],
      ],
    );
    const detail = await store.getRunDetail(ALICE, runId);
    assert.deepEqual(
      detail?.nodeResults.map((r) => [r.nodeId, r.status]),
      [
        ['b', 'SUCCESS'],
        ['a', 'RUNNING'],
      ],
    );
    assert.deepEqual(detail?.nodeResults[0], {
      ...base,
      runId,
      nodeId: 'b',
      status: 'SUCCESS',
      output: { text: 'hi' },
      finishedAt: JAN_1 + 1000,
      durationMs: 1000,
      hash: 'h',
    });
    assert.deepEqual(detail?.nodeResults[1], { ...base, runId, nodeId: 'a', status: 'RUNNING' });
    assert.deepEqual(
      detail?.logs.map(({ id: _, ...log }) => log),
      logs.map((log) => ({ ...log, runId })),
    );
    const [first, second] = detail?.logs ?? [];
    assert.ok(first && second && second.id > first.id, 'log ids increase');
  });

  withStore(
    'a node result keeps the meta its node reported, reads back without one when it reported none, and loses it when replaced',
    async (store) => {
      const created = await store.createRun(ALICE, adHoc());
      assert.ok(created.ok);
      const runId = created.run.id;
      assert.ok(await store.claimRun({ workerId: 'a', leaseMs: 60_000, runId }));
      // Who answered an llm node after a fallback, and a host node's own keys beside them.
      const meta = {
        provider: 'gemini',
        model: 'gemini-2.5-flash',
        attempts: 2,
        usage: { inputTokens: 12, outputTokens: 30, totalTokens: 42 },
        finishReason: 'STOP',
        fallbacks: [
          {
            provider: 'groq',
            model: 'llama-3.3-70b-versatile',
            attempts: 3,
            code: 'E_PROVIDER_UNAVAILABLE',
            message: 'Groq is overloaded (503) — "try later".',
          },
        ],
        host: { region: 'eu', tags: ['a', 1, null, true] },
      };
      const answered = {
        ...emptyResult,
        nodeId: 'ask',
        status: 'SUCCESS' as const,
        output: { text: 'Rayleigh scattering.' },
        finishedAt: JAN_1 + 1000,
        durationMs: 1000,
        hash: 'h',
        meta,
      };
      const plain = { ...emptyResult, nodeId: 'plain', status: 'SUCCESS' as const };
      // A node that said who answered and then failed its own check keeps the meta too.
      const failed = {
        ...emptyResult,
        nodeId: 'check',
        status: 'FAILED' as const,
        error: { code: 'E_INVALID_OUTPUT', message: 'Not JSON.', retryable: false },
        meta: { provider: 'groq', model: 'llama-3.3-70b-versatile', attempts: 1, fallbacks: [] },
      };
      await store.recordRunProgress(runId, 'a', {
        nodeResults: [{ ...emptyResult, nodeId: 'ask', status: 'RUNNING' }],
      });
      await store.recordRunProgress(runId, 'a', { nodeResults: [answered, plain] });
      await store.recordNodeResult(runId, failed);
      assert.ok(
        await store.finishRun(runId, 'a', {
          status: 'PARTIAL',
          error: null,
          counts: { ...zeroCounts, total: 4, success: 3, failed: 1 },
          durationMs: 1,
          progress: {
            nodeResults: [{ ...emptyResult, nodeId: 'empty', status: 'SUCCESS', meta: {} }],
          },
        }),
      );
      const detail = await store.getRunDetail(ALICE, runId);
      const byId = new Map(detail?.nodeResults.map((r) => [r.nodeId, r]));
      assert.deepEqual(byId.get('ask'), { runId, ...answered });
      assert.deepEqual(byId.get('plain'), { runId, ...plain });
      assert.equal(byId.has('plain') && 'meta' in (byId.get('plain') ?? {}), false);
      assert.deepEqual(byId.get('check')?.meta, failed.meta);
      assert.deepEqual(byId.get('empty')?.meta, {}, 'an empty meta is not no meta');

      // A result written again without meta (the node ran again) does not keep the old one.
      await store.recordNodeResult(runId, { ...emptyResult, nodeId: 'ask', status: 'RUNNING' });
      const again = await store.getRunDetail(ALICE, runId);
      const askAgain = again?.nodeResults.find((r) => r.nodeId === 'ask');
      assert.ok(askAgain);
      assert.equal('meta' in askAgain, false);
    },
  );

  withStore(
    'progress is written whole by the lease holder only, events numbered after the last',
    async (store, clock) => {
      const created = await store.createRun(ALICE, adHoc());
      assert.ok(created.ok);
      const runId = created.run.id;
      assert.ok(await store.claimRun({ workerId: 'a', leaseMs: 1000, runId }));
      const first = await store.recordRunProgress(runId, 'a', {
        nodeResults: [{ ...emptyResult, nodeId: 'a', status: 'RUNNING' }],
        logs: [{ nodeId: 'a', level: 'info', message: 'working', at: 1 }],
        events: [
          { type: 'run:start', runId, at: 1, nodeIds: ['a'] },
          { type: 'node:start', runId, at: 2, nodeId: 'a', nodeType: 'text', attempt: 1 },
        ],
      });
      assert.deepEqual(
        first?.map((e) => [e.seq, e.event.type]),
        [
          [1, 'run:start'],
          [2, 'node:start'],
        ],
      );
      const onlyEvents = await store.recordRunProgress(runId, 'a', {
        events: [{ type: 'node:delta', runId, at: 3, nodeId: 'a', delta: 'x' }],
      });
      assert.deepEqual(
        onlyEvents?.map((e) => e.seq),
        [3],
      );
      assert.deepEqual(await store.recordRunProgress(runId, 'a', {}), []);
      const intruder = await store.recordRunProgress(runId, 'b', {
        nodeResults: [{ ...emptyResult, nodeId: 'a', status: 'FAILED' }],
        logs: [{ level: 'error', message: 'stale', at: 4 }],
        events: [{ type: 'node:delta', runId, at: 4, nodeId: 'a', delta: 'stale' }],
      });
      assert.equal(intruder, undefined, 'a worker without the lease writes nothing');
      clock.ms += 1001;
      assert.ok(await store.claimRun({ workerId: 'b', leaseMs: 1000 }), 'b takes over');
      assert.equal(
        await store.recordRunProgress(runId, 'a', {
          events: [{ type: 'node:delta', runId, at: 5, nodeId: 'a', delta: 'late' }],
        }),
        undefined,
        'the worker whose lease expired and was taken over is fenced off',
      );
      const detail = await store.getRunDetail(ALICE, runId);
      assert.deepEqual(
        detail?.nodeResults.map((r) => [r.nodeId, r.status]),
        [['a', 'RUNNING']],
      );
      assert.deepEqual(
        detail?.logs.map((l) => l.message),
        ['working'],
      );
      assert.deepEqual(
        (await store.listRunEvents(runId, 0)).map((e) => e.seq),
        [1, 2, 3],
      );
    },
  );

  withStore(
    'finishing writes the final progress with the end, for the holder only',
    async (store) => {
      const created = await store.createRun(ALICE, adHoc());
      assert.ok(created.ok);
      const runId = created.run.id;
      await store.claimRun({ workerId: 'a', leaseMs: 1000, runId });
      const finish = {
        status: 'SUCCESS' as const,
        error: null,
        counts: { ...zeroCounts, total: 1, success: 1 },
        durationMs: 3,
        progress: {
          nodeResults: [{ ...emptyResult, nodeId: 'a', status: 'SUCCESS' as const }],
          events: [
            {
              type: 'run:finish' as const,
              runId,
              at: 9,
              status: 'SUCCESS' as const,
              durationMs: 3,
            },
          ],
        },
      };
      assert.equal(await store.finishRun(runId, 'b', finish), false);
      assert.deepEqual(await store.listRunEvents(runId, 0), [], 'a refused finish writes nothing');
      assert.equal(await store.finishRun(runId, 'a', finish), true);
      assert.equal(await store.finishRun(runId, 'a', finish), false, 'a run ends once');
      const events = await store.listRunEvents(runId, 0);
      assert.deepEqual(
        events.map((e) => [e.seq, e.event.type]),
        [[1, 'run:finish']],
      );
      const detail = await store.getRunDetail(ALICE, runId);
      assert.equal(detail?.run.status, 'SUCCESS');
      assert.deepEqual(
        detail?.nodeResults.map((r) => r.status),
        ['SUCCESS'],
      );
    },
  );
}
