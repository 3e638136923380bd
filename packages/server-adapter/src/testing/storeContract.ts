import assert from 'node:assert/strict';
import type { RunEvent } from '@galaxyflow/engine';
import type { CreateRunInput, GalaxyStore, WorkflowContent } from '../store/types';

export interface StoreContractOptions {
  /** Your test runner's `test`/`it`: the suite registers one test per rule. */
  test: (name: string, fn: () => Promise<void>) => void;
  /** Makes a fresh, empty store that reads time from `now`. Closed after each test. */
  makeStore: (options: { now: () => number }) => GalaxyStore | Promise<GalaxyStore>;
}

const ALICE = 'user-alice';
const iso = (ms: number) => new Date(ms).toISOString();
const BOB = 'user-bob';

function content(name: string, extra: Partial<WorkflowContent> = {}): WorkflowContent {
  return {
    name,
    description: '',
    tags: [],
    nodes: [{ id: 'a', type: 'text', data: { text: name } }],
    edges: [],
    settings: null,
    ...extra,
  };
}

const adHoc = (extra: Partial<CreateRunInput> = {}): CreateRunInput => ({
  workflowId: null,
  workflowVersion: null,
  graph: { nodes: [{ id: 'a', type: 'text', data: {} }], edges: [], settings: null },
  scope: 'FULL',
  targetNodeIds: null,
  reuseRunId: null,
  ...extra,
});

/**
 * The rules every `GalaxyStore` keeps. A store for another database (Prisma, Postgres, ...)
 * runs this suite unchanged: `runStoreContract({ test: it, makeStore })`.
 */
export function runStoreContract({ test, makeStore }: StoreContractOptions): void {
  function withStore(
    name: string,
    fn: (store: GalaxyStore, clock: { ms: number }) => Promise<void>,
  ) {
    test(name, async () => {
      const clock = { ms: Date.UTC(2025, 0, 1) };
      const store = await makeStore({ now: () => clock.ms });
      try {
        await store.ensureUser(ALICE);
        await store.ensureUser(BOB);
        await fn(store, clock);
      } finally {
        await store.close();
      }
    });
  }

  withStore('ensureUser creates a user once and records the last visit', async (store, clock) => {
    const first = await store.ensureUser('user-carol');
    clock.ms += 1000;
    const again = await store.ensureUser('user-carol');
    assert.equal(again.id, 'user-carol');
    assert.equal(again.createdAt, first.createdAt);
    assert.equal(Date.parse(again.lastSeenAt) - Date.parse(first.lastSeenAt), 1000);
  });

  withStore(
    'a created workflow is version 1 with a snapshot, visible to its owner only',
    async (store) => {
      const created = await store.createWorkflow(ALICE, content('Summarize', { tags: ['news'] }));
      assert.equal(created.version, 1);
      assert.equal(created.ownerId, ALICE);
      assert.deepEqual(await store.getWorkflow(ALICE, created.id), created);
      assert.equal(await store.getWorkflow(BOB, created.id), undefined);
      const snapshot = await store.getWorkflowVersion(ALICE, created.id, 1);
      assert.equal(snapshot?.name, 'Summarize');
      assert.deepEqual(snapshot?.tags, ['news']);
      assert.equal(await store.getWorkflowVersion(BOB, created.id, 1), undefined);
    },
  );

  withStore(
    'lists are newest first, paginated, searchable and skip deleted workflows',
    async (store, clock) => {
      const ids: string[] = [];
      for (const name of ['Alpha', 'Beta 50%', 'Gamma', 'Delta']) {
        clock.ms += 1000;
        ids.push((await store.createWorkflow(ALICE, content(name))).id);
      }
      await store.createWorkflow(BOB, content('Bob only'));
      const first = await store.listWorkflows(ALICE, { page: 1, limit: 3 });
      assert.deepEqual(
        first.items.map((w) => w.name),
        ['Delta', 'Gamma', 'Beta 50%'],
      );
      assert.equal(first.total, 4);
      const second = await store.listWorkflows(ALICE, { page: 2, limit: 3 });
      assert.deepEqual(
        second.items.map((w) => w.name),
        ['Alpha'],
      );
      const beyond = await store.listWorkflows(ALICE, { page: 9, limit: 3 });
      assert.deepEqual(beyond.items, []);
      assert.equal(beyond.total, 4);
      const percent = await store.listWorkflows(ALICE, { page: 1, limit: 10, q: '50%' });
      assert.deepEqual(
        percent.items.map((w) => w.name),
        ['Beta 50%'],
      );
      const caseless = await store.listWorkflows(ALICE, { page: 1, limit: 10, q: 'gAMMA' });
      assert.deepEqual(
        caseless.items.map((w) => w.name),
        ['Gamma'],
      );
      assert.equal(await store.deleteWorkflow(BOB, ids[2]!), false);
      assert.equal(await store.deleteWorkflow(ALICE, ids[2]!), true);
      assert.equal(await store.deleteWorkflow(ALICE, ids[2]!), false);
      const after = await store.listWorkflows(ALICE, { page: 1, limit: 10 });
      assert.deepEqual(
        after.items.map((w) => w.name),
        ['Delta', 'Beta 50%', 'Alpha'],
      );
      assert.equal(await store.getWorkflow(ALICE, ids[2]!), undefined);
    },
  );

  withStore('the workflow list carries run count and last run status', async (store, clock) => {
    const workflow = await store.createWorkflow(ALICE, content('Counted'));
    const input = { ...adHoc(), workflowId: workflow.id, workflowVersion: 1, graph: null };
    await store.createRun(ALICE, input);
    clock.ms += 1000;
    const last = await store.createRun(ALICE, input);
    assert.ok(last.ok);
    await store.requestCancel(ALICE, last.run.id);
    const [summary] = (await store.listWorkflows(ALICE, { page: 1, limit: 10 })).items;
    assert.equal(summary?.runCount, 2);
    assert.equal(summary?.lastRunStatus, 'CANCELED');
    assert.equal(summary?.lastRunAt, last.run.createdAt);
  });

  withStore('a save needs the current version and writes the next snapshot', async (store) => {
    const created = await store.createWorkflow(ALICE, content('Draft'));
    const saved = await store.updateWorkflow(ALICE, created.id, { name: 'Final' }, 1);
    assert.ok(saved.ok);
    assert.equal(saved.workflow.version, 2);
    assert.equal(saved.workflow.name, 'Final');
    assert.deepEqual(saved.workflow.nodes, created.nodes);
    const stale = await store.updateWorkflow(ALICE, created.id, { name: 'Lost' }, 1);
    assert.deepEqual(stale, { ok: false, reason: 'version_conflict', currentVersion: 2 });
    assert.equal((await store.getWorkflow(ALICE, created.id))?.name, 'Final');
    assert.deepEqual(await store.updateWorkflow(BOB, created.id, { name: 'Hijack' }, 2), {
      ok: false,
      reason: 'not_found',
    });
    const versions = await store.listWorkflowVersions(ALICE, created.id, { page: 1, limit: 10 });
    assert.deepEqual(
      versions?.items.map((v) => [v.version, v.name]),
      [
        [2, 'Final'],
        [1, 'Draft'],
      ],
    );
    assert.equal(
      await store.listWorkflowVersions(BOB, created.id, { page: 1, limit: 10 }),
      undefined,
    );
  });

  withStore('restoring a version saves its content as the next version', async (store) => {
    const created = await store.createWorkflow(ALICE, content('One'));
    await store.updateWorkflow(ALICE, created.id, { name: 'Two', tags: ['t'] }, 1);
    const restored = await store.restoreWorkflowVersion(ALICE, created.id, 1, 2);
    assert.ok(restored.ok);
    assert.equal(restored.workflow.version, 3);
    assert.equal(restored.workflow.name, 'One');
    assert.deepEqual(restored.workflow.tags, []);
    assert.equal((await store.getWorkflowVersion(ALICE, created.id, 3))?.restoredFrom, 1);
    assert.deepEqual(await store.restoreWorkflowVersion(ALICE, created.id, 1, 2), {
      ok: false,
      reason: 'version_conflict',
      currentVersion: 3,
    });
    assert.deepEqual(await store.restoreWorkflowVersion(ALICE, created.id, 9, undefined), {
      ok: false,
      reason: 'version_not_found',
    });
    assert.deepEqual(await store.restoreWorkflowVersion(BOB, created.id, 1, undefined), {
      ok: false,
      reason: 'not_found',
    });
  });

  withStore('runs are owner-scoped, newest first and filterable', async (store, clock) => {
    const workflow = await store.createWorkflow(ALICE, content('W'));
    const saved = await store.createRun(ALICE, {
      ...adHoc(),
      workflowId: workflow.id,
      workflowVersion: 1,
      graph: null,
    });
    clock.ms += 1000;
    const other = await store.createRun(ALICE, adHoc({ scope: 'PARTIAL', targetNodeIds: ['a'] }));
    clock.ms += 1000;
    await store.createRun(BOB, adHoc());
    assert.ok(saved.ok && other.ok);
    assert.equal(saved.run.status, 'QUEUED');
    assert.deepEqual(other.run.targetNodeIds, ['a']);
    const all = await store.listRuns(ALICE, { page: 1, limit: 10 });
    assert.deepEqual(
      all.items.map((r) => r.id),
      [other.run.id, saved.run.id],
    );
    assert.equal(all.total, 2);
    const byWorkflow = await store.listRuns(ALICE, { page: 1, limit: 10, workflowId: workflow.id });
    assert.deepEqual(
      byWorkflow.items.map((r) => r.id),
      [saved.run.id],
    );
    await store.requestCancel(ALICE, other.run.id);
    const canceled = await store.listRuns(ALICE, { page: 1, limit: 10, status: 'CANCELED' });
    assert.deepEqual(
      canceled.items.map((r) => r.id),
      [other.run.id],
    );
    assert.equal(canceled.total, 1);
    assert.equal((await store.listRuns(ALICE, { page: 1, limit: 10, status: 'QUEUED' })).total, 1);
    assert.equal((await store.listRuns(BOB, { page: 1, limit: 10 })).total, 1);
    assert.equal(await store.getRun(BOB, saved.run.id), undefined);
    assert.equal(await store.getRunDetail(BOB, saved.run.id), undefined);
    const detail = await store.getRunDetail(ALICE, saved.run.id);
    assert.deepEqual(detail?.graph.nodes, workflow.nodes);
  });

  withStore(
    'an idempotency key replays its run, refuses another body and expires',
    async (store, clock) => {
      const key = { key: 'k-1', requestHash: 'h-1', ttlMs: 60_000 };
      const first = await store.createRun(ALICE, adHoc({ idempotency: key }));
      const again = await store.createRun(ALICE, adHoc({ idempotency: key }));
      assert.ok(first.ok && again.ok);
      assert.equal(first.replayed, false);
      assert.equal(again.replayed, true);
      assert.equal(again.run.id, first.run.id);
      const conflict = await store.createRun(
        ALICE,
        adHoc({ idempotency: { ...key, requestHash: 'h-2' } }),
      );
      assert.deepEqual(conflict, {
        ok: false,
        reason: 'idempotency_conflict',
        runId: first.run.id,
      });
      const bobs = await store.createRun(BOB, adHoc({ idempotency: key }));
      assert.ok(bobs.ok && !bobs.replayed && bobs.run.id !== first.run.id);
      clock.ms += 60_001;
      const expired = await store.createRun(
        ALICE,
        adHoc({ idempotency: { ...key, requestHash: 'h-2' } }),
      );
      assert.ok(expired.ok && !expired.replayed && expired.run.id !== first.run.id);
      assert.equal((await store.listRuns(ALICE, { page: 1, limit: 10 })).total, 2);
    },
  );

  withStore(
    'cancel ends a queued run, flags a running one and refuses a finished one',
    async (store) => {
      const queued = await store.createRun(ALICE, adHoc());
      const running = await store.createRun(ALICE, adHoc());
      assert.ok(queued.ok && running.ok);
      assert.deepEqual(await store.requestCancel(BOB, queued.run.id), {
        ok: false,
        reason: 'not_found',
      });
      const canceled = await store.requestCancel(ALICE, queued.run.id);
      assert.ok(canceled.ok);
      assert.equal(canceled.run.status, 'CANCELED');
      assert.equal(canceled.run.error?.code, 'E_CANCELED');
      assert.ok(canceled.run.finishedAt);
      assert.ok((await store.requestCancel(ALICE, queued.run.id)).ok, 'canceling twice is fine');
      assert.ok(await store.claimRun({ workerId: 'w', leaseMs: 1000, runId: running.run.id }));
      const flagged = await store.requestCancel(ALICE, running.run.id);
      assert.ok(flagged.ok);
      assert.equal(flagged.run.status, 'RUNNING');
      assert.ok(flagged.run.cancelRequestedAt);
      await store.finishRun(running.run.id, 'w', {
        status: 'SUCCESS',
        error: null,
        counts: { total: 1, success: 1, failed: 0, skipped: 0, canceled: 0 },
        durationMs: 5,
      });
      const finished = await store.requestCancel(ALICE, running.run.id);
      assert.equal(finished.ok, false);
      assert.equal(!finished.ok && finished.reason, 'finished');
    },
  );

  withStore('a run has one lease holder; expired leases are taken over', async (store, clock) => {
    const older = await store.createRun(ALICE, adHoc());
    clock.ms += 10;
    const newer = await store.createRun(ALICE, adHoc());
    assert.ok(older.ok && newer.ok);
    const a = await store.claimRun({ workerId: 'a', leaseMs: 1000 });
    assert.equal(a?.run.id, older.run.id, 'the oldest queued run goes first');
    assert.equal(a?.run.status, 'RUNNING');
    assert.equal(a?.run.attempts, 1);
    assert.equal(a?.leaseExpiresAt, clock.ms + 1000);
    const [b, c] = await Promise.all([
      store.claimRun({ workerId: 'b', leaseMs: 1000 }),
      store.claimRun({ workerId: 'c', leaseMs: 1000 }),
    ]);
    assert.deepEqual([b?.run.id, c?.run.id].filter(Boolean), [newer.run.id], 'one claim wins');
    assert.equal(await store.claimRun({ workerId: 'd', leaseMs: 1000 }), undefined);
    assert.equal(await store.renewLease(older.run.id, 'intruder', 1000), false);
    clock.ms += 500;
    assert.equal(await store.renewLease(older.run.id, 'a', 1000), true);
    clock.ms += 1001;
    const takeover = await store.claimRun({ workerId: 'e', leaseMs: 1000 });
    assert.equal(takeover?.run.id, newer.run.id, 'the lease that expired first is taken first');
    assert.equal(takeover?.run.attempts, 2);
    assert.equal(takeover?.run.interruptions, 1, 'taking over an expired lease is an interruption');
    const staleHolder = b ? 'b' : 'c';
    const finishedByStale = await store.finishRun(newer.run.id, staleHolder, {
      status: 'SUCCESS',
      error: null,
      counts: { total: 0, success: 0, failed: 0, skipped: 0, canceled: 0 },
      durationMs: 1,
    });
    assert.equal(finishedByStale, false, 'a worker that lost its lease cannot finish the run');
    assert.equal(
      await store.finishRun(newer.run.id, 'e', {
        status: 'PARTIAL',
        error: { code: 'E_NODE_FAILED', message: 'x', retryable: false },
        counts: { total: 2, success: 1, failed: 1, skipped: 0, canceled: 0 },
        durationMs: 7,
      }),
      true,
    );
    const ended = await store.getRun(ALICE, newer.run.id);
    assert.equal(ended?.status, 'PARTIAL');
    assert.equal(ended?.durationMs, 7);
    assert.equal(ended?.counts.failed, 1);
    assert.equal(ended?.error?.code, 'E_NODE_FAILED');
  });

  withStore('node results are one per node; logs and events keep their order', async (store) => {
    const created = await store.createRun(ALICE, adHoc());
    assert.ok(created.ok);
    const runId = created.run.id;
    const base = {
      input: null,
      output: null,
      error: null,
      attempts: 1,
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: null,
      durationMs: null,
      reused: false,
      hash: null,
      skippedBecause: null,
      meta: null,
    };
    await store.recordNodeResult(runId, { ...base, nodeId: 'b', status: 'RUNNING' });
    await store.recordNodeResult(runId, { ...base, nodeId: 'a', status: 'RUNNING' });
    await store.recordNodeResult(runId, {
      ...base,
      nodeId: 'b',
      status: 'SUCCESS',
      output: { text: 'hi' },
      finishedAt: '2025-01-01T00:00:01.000Z',
      durationMs: 1000,
      hash: 'h',
    });
    await store.appendLogs(runId, [
      { nodeId: 'b', level: 'info', message: 'one', metadata: { n: 1 }, at: 1 },
      { nodeId: null, level: 'warn', message: 'two', metadata: null, at: 2 },
    ]);
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
    const detail = await store.getRunDetail(ALICE, runId);
    assert.deepEqual(
      detail?.nodeResults.map((r) => [r.nodeId, r.status]),
      [
        ['b', 'SUCCESS'],
        ['a', 'RUNNING'],
      ],
    );
    assert.deepEqual(detail?.nodeResults[0]?.output, { text: 'hi' });
    assert.deepEqual(
      detail?.logs.map((l) => [l.message, l.level, l.nodeId, l.metadata]),
      [
        ['one', 'info', 'b', { n: 1 }],
        ['two', 'warn', null, null],
      ],
    );
  });

  const emptyResult = {
    input: null,
    output: null,
    error: null,
    attempts: 1,
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: null,
    durationMs: null,
    reused: false,
    hash: null,
    skippedBecause: null,
    meta: null,
  };
  const zeroCounts = { total: 0, success: 0, failed: 0, skipped: 0, canceled: 0 };

  withStore(
    'a node result keeps the meta its node reported, reads back null without, and loses it when replaced',
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
        finishedAt: '2025-01-01T00:00:01.000Z',
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
      assert.equal(byId.get('plain')?.meta, null);
      assert.deepEqual(byId.get('check')?.meta, failed.meta);
      assert.deepEqual(byId.get('empty')?.meta, {}, 'an empty meta is not no meta');

      // A result written again without meta (the node ran again) does not keep the old one.
      await store.recordNodeResult(runId, { ...emptyResult, nodeId: 'ask', status: 'RUNNING' });
      const again = await store.getRunDetail(ALICE, runId);
      assert.equal(again?.nodeResults.find((r) => r.nodeId === 'ask')?.meta, null);
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
        logs: [{ nodeId: 'a', level: 'info', message: 'working', metadata: null, at: 1 }],
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
        logs: [{ nodeId: null, level: 'error', message: 'stale', metadata: null, at: 4 }],
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

  withStore('canceling a queued run records its run:finish event once', async (store) => {
    const created = await store.createRun(ALICE, adHoc());
    assert.ok(created.ok);
    const runId = created.run.id;
    await store.requestCancel(ALICE, runId);
    await store.requestCancel(ALICE, runId);
    const events = await store.listRunEvents(runId, 0);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.seq, 1);
    assert.deepEqual(
      events[0]?.event.type === 'run:finish' && [
        events[0].event.status,
        events[0].event.error?.code,
      ],
      ['CANCELED', 'E_CANCELED'],
    );
    assert.equal(await store.claimRun({ workerId: 'w', leaseMs: 1000 }), undefined);
  });

  withStore('a released run is queued again and the next claim resumes it', async (store) => {
    const created = await store.createRun(ALICE, adHoc());
    assert.ok(created.ok);
    const runId = created.run.id;
    await store.claimRun({ workerId: 'a', leaseMs: 60_000, runId });
    await store.recordRunProgress(runId, 'a', {
      nodeResults: [{ ...emptyResult, nodeId: 'a', status: 'SUCCESS', hash: 'h' }],
    });
    assert.equal(await store.releaseRun(runId, 'b'), false, 'only the holder releases');
    assert.equal(await store.releaseRun(runId, 'a'), true);
    assert.equal(await store.releaseRun(runId, 'a'), false);
    assert.equal((await store.getRun(ALICE, runId))?.status, 'QUEUED');
    assert.equal(await store.renewLease(runId, 'a', 1000), false, 'the lease is gone');
    const resumed = await store.claimRun({ workerId: 'b', leaseMs: 1000 });
    assert.equal(resumed?.run.id, runId);
    assert.equal(resumed?.run.attempts, 2);
    assert.equal(resumed?.run.interruptions, 0, 'a graceful hand-over is no interruption');
    const detail = await store.getRunDetail(ALICE, runId);
    assert.deepEqual(
      detail?.nodeResults.map((r) => [r.nodeId, r.status, r.hash]),
      [['a', 'SUCCESS', 'h']],
    );
  });

  withStore(
    'only takeovers of expired leases count as interruptions, however often a run is handed back',
    async (store, clock) => {
      const created = await store.createRun(ALICE, adHoc());
      assert.ok(created.ok);
      const runId = created.run.id;
      assert.equal(created.run.interruptions, 0);
      // Three deploys: each worker hands the run back cleanly.
      for (const worker of ['deploy-1', 'deploy-2', 'deploy-3']) {
        assert.ok(await store.claimRun({ workerId: worker, leaseMs: 1000, runId }));
        assert.ok(await store.releaseRun(runId, worker));
      }
      assert.equal((await store.getRunById(runId))?.interruptions, 0);
      // A crash: the lease runs out and the next claim takes the run over.
      assert.ok(await store.claimRun({ workerId: 'crashes', leaseMs: 1000, runId }));
      clock.ms += 1001;
      const takeover = await store.claimRun({ workerId: 'survivor', leaseMs: 1000 });
      assert.equal(takeover?.run.id, runId);
      assert.deepEqual([takeover?.run.attempts, takeover?.run.interruptions], [5, 1]);
      assert.equal((await store.getRun(ALICE, runId))?.interruptions, 1);
    },
  );

  withStore(
    'canceling a run handed back mid-run ends its open nodes, counts and duration with it',
    async (store, clock) => {
      const created = await store.createRun(ALICE, adHoc());
      assert.ok(created.ok);
      const runId = created.run.id;
      const startedMs = clock.ms;
      await store.claimRun({ workerId: 'a', leaseMs: 60_000, runId });
      await store.recordRunProgress(runId, 'a', {
        nodeResults: [
          { ...emptyResult, nodeId: 'a', status: 'SUCCESS', finishedAt: iso(startedMs + 10) },
          { ...emptyResult, nodeId: 'b', status: 'RUNNING', startedAt: iso(startedMs + 10) },
        ],
      });
      // A graceful stop hands the run back with node b still open.
      assert.ok(await store.releaseRun(runId, 'a'));
      clock.ms += 500;
      const canceled = await store.requestCancel(ALICE, runId);
      assert.ok(canceled.ok);
      assert.equal(canceled.run.status, 'CANCELED');
      assert.deepEqual(canceled.run.counts, { ...zeroCounts, total: 2, success: 1, canceled: 1 });
      assert.equal(canceled.run.durationMs, 500);
      assert.equal(canceled.run.error?.code, 'E_CANCELED');
      const detail = await store.getRunDetail(ALICE, runId);
      assert.deepEqual(detail?.run, canceled.run);
      assert.deepEqual(
        detail?.nodeResults.map((r) => [r.nodeId, r.status, r.error?.code ?? null]),
        [
          ['a', 'SUCCESS', null],
          ['b', 'CANCELED', 'E_CANCELED'],
        ],
      );
      const b = detail?.nodeResults[1];
      assert.equal(b?.finishedAt, iso(clock.ms));
      assert.equal(b?.durationMs, 490);
      const events = await store.listRunEvents(runId, 0);
      assert.deepEqual(
        events.map((e) => e.event.type === 'run:finish' && [e.event.status, e.event.durationMs]),
        [['CANCELED', 500]],
      );
      assert.equal(await store.claimRun({ workerId: 'w', leaseMs: 1000 }), undefined);
    },
  );

  withStore(
    'an idempotency key can be looked up before anything else, until it expires',
    async (store, clock) => {
      assert.equal(await store.getIdempotencyKey(ALICE, 'k'), undefined);
      const created = await store.createRun(
        ALICE,
        adHoc({ idempotency: { key: 'k', requestHash: 'h', ttlMs: 1000 } }),
      );
      assert.ok(created.ok);
      assert.deepEqual(await store.getIdempotencyKey(ALICE, 'k'), {
        requestHash: 'h',
        runId: created.run.id,
      });
      assert.equal(await store.getIdempotencyKey(BOB, 'k'), undefined, 'keys are per owner');
      clock.ms += 1000;
      assert.equal(await store.getIdempotencyKey(ALICE, 'k'), undefined, 'expired');
    },
  );

  withStore(
    'abandoning a queued run ends it FAILED and frees its idempotency key',
    async (store) => {
      const key = { key: 'k', requestHash: 'h', ttlMs: 60_000 };
      const created = await store.createRun(ALICE, adHoc({ idempotency: key }));
      assert.ok(created.ok);
      const runId = created.run.id;
      const error = { code: 'E_ENQUEUE_FAILED', message: 'The queue said no.', retryable: true };
      assert.equal(await store.abandonRun(runId, error), true);
      assert.equal(await store.abandonRun(runId, error), false, 'only a QUEUED run');
      const run = await store.getRun(ALICE, runId);
      assert.equal(run?.status, 'FAILED');
      assert.deepEqual(run?.error, error);
      assert.ok(run?.finishedAt);
      assert.deepEqual(
        (await store.listRunEvents(runId, 0)).map(
          (e) => e.event.type === 'run:finish' && [e.event.status, e.event.error?.code],
        ),
        [['FAILED', 'E_ENQUEUE_FAILED']],
      );
      assert.equal(await store.getIdempotencyKey(ALICE, 'k'), undefined);
      const retried = await store.createRun(ALICE, adHoc({ idempotency: key }));
      assert.ok(retried.ok && !retried.replayed && retried.run.id !== runId);
      assert.equal(await store.claimRun({ workerId: 'w', leaseMs: 1000, runId }), undefined);
    },
  );

  withStore("getRunById finds any owner's run for workers", async (store) => {
    const created = await store.createRun(BOB, adHoc());
    assert.ok(created.ok);
    assert.equal((await store.getRunById(created.run.id))?.ownerId, BOB);
    assert.equal(await store.getRunById('missing'), undefined);
  });

  withStore(
    'the per-owner cap passes over owners at their cap but resumes expired leases',
    async (store, clock) => {
      const ids: string[] = [];
      for (const owner of [ALICE, ALICE, ALICE, BOB]) {
        clock.ms += 10;
        const created = await store.createRun(owner, adHoc());
        assert.ok(created.ok);
        ids.push(created.run.id);
      }
      const cap = { leaseMs: 1000, maxRunningPerOwner: 1 };
      assert.equal((await store.claimRun({ workerId: 'w1', ...cap }))?.run.id, ids[0]);
      clock.ms += 100;
      assert.equal(
        (await store.claimRun({ workerId: 'w2', ...cap }))?.run.id,
        ids[3],
        "Alice is at her cap: Bob's newer run goes first",
      );
      assert.equal(await store.claimRun({ workerId: 'w3', ...cap }), undefined);
      assert.equal(
        (await store.claimRun({ workerId: 'w3', leaseMs: 1000 }))?.run.id,
        ids[1],
        'without a cap the oldest queued run goes',
      );
      clock.ms += 901;
      assert.equal(
        (await store.claimRun({ workerId: 'w4', ...cap }))?.run.id,
        ids[0],
        'an expired lease is resumed whatever the cap',
      );
      await store.finishRun(ids[0]!, 'w4', {
        status: 'SUCCESS',
        error: null,
        counts: zeroCounts,
        durationMs: 1,
      });
      await store.renewLease(ids[1]!, 'w3', 1000);
      await store.renewLease(ids[3]!, 'w2', 1000);
      assert.equal(await store.claimRun({ workerId: 'w5', ...cap }), undefined, 'Alice: 1 running');
      assert.equal(
        (await store.claimRun({ workerId: 'w5', leaseMs: 1000, maxRunningPerOwner: 2 }))?.run.id,
        ids[2],
      );
    },
  );

  withStore(
    'records handed out are copies: mutating them changes nothing stored',
    async (store) => {
      const created = await store.createWorkflow(ALICE, content('Safe'));
      created.tags.push('mutated');
      created.nodes.length = 0;
      const fresh = await store.getWorkflow(ALICE, created.id);
      assert.deepEqual(fresh?.tags, []);
      assert.equal(fresh?.nodes.length, 1);
    },
  );
}
