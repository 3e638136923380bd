import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode } from '../defineNode';
import { RetryableError, WorkflowValidationError } from '../errors';
import { hashNodeRun } from '../hash';
import { createRegistry } from '../registry';
import { runWorkflow, startRun } from '../run';
import type { PortMap, PortSpec, RunEvent } from '../types';
import { createTrace, steps, testRegistry, textSource } from './kit';

/** V8's `gc()`, without starting the test process with --expose-gc. */
function exposeGc(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

const statuses = (nodes: Record<string, { status: string }>) =>
  Object.fromEntries(Object.entries(nodes).map(([id, r]) => [id, r.status]));

describe('runWorkflow: scheduling', () => {
  it('passes outputs along edges and runs a diamond in dependency order', async () => {
    const trace = createTrace();
    const result = await runWorkflow(steps(['a', 'b', 'c', 'd'], ['a>b', 'a>c', 'b>d', 'c>d']), {
      registry: testRegistry,
      context: { trace },
    });
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.d!.output).toEqual({ out: 'a>b+a>c>d' });
    expect(result.nodes.d!.input).toEqual({ in: ['a>b', 'a>c'] });
    expect(trace.starts[0]).toBe('a');
    expect(trace.starts.at(-1)).toBe('d');
  });

  it('runs independent branches in parallel up to the concurrency limit', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `n${i}`);
    const data = Object.fromEntries(ids.map((id) => [id, { ms: 30 }]));
    const trace = createTrace();
    const started = performance.now();
    await runWorkflow(steps(ids, [], data), { registry: testRegistry, concurrency: 4, context: { trace } });
    const elapsed = performance.now() - started;
    expect(trace.maxRunning).toBe(4);
    // 12 nodes of 30 ms, 4 at a time: three waves, not twelve.
    expect(elapsed).toBeGreaterThanOrEqual(85);
    expect(elapsed).toBeLessThan(300);
  });

  it('stamps runs and nodes on the wall clock, in order, each node lasting what it waited', async () => {
    const before = Date.now();
    const result = await runWorkflow(steps(['a', 'b', 'c'], ['a>b', 'b>c'], { a: { ms: 20 }, b: { ms: 20 }, c: { ms: 20 } }), { registry: testRegistry });
    const after = Date.now();
    expect(result.startedAt).toBeGreaterThanOrEqual(before);
    expect(result.finishedAt).toBeLessThanOrEqual(after);
    let previousEnd: number = result.startedAt!;
    for (const id of ['a', 'b', 'c']) {
      const node = result.nodes[id]!;
      expect(node.startedAt).toBeGreaterThanOrEqual(previousEnd);
      // A 20 ms wait, on timers that may fire a millisecond early.
      expect(node.durationMs).toBeGreaterThanOrEqual(19);
      expect(node.finishedAt! - node.startedAt!).toBe(node.durationMs);
      previousEnd = node.finishedAt!;
    }
    expect(result.finishedAt).toBeGreaterThanOrEqual(previousEnd);
  });

  it('lets the workflow lower the concurrency but never raise it past the host cap', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `n${i}`);
    const data = Object.fromEntries(ids.map((id) => [id, { ms: 10 }]));
    const lower = createTrace();
    await runWorkflow({ ...steps(ids, [], data), settings: { concurrency: 2 } }, { registry: testRegistry, concurrency: 8, context: { trace: lower } });
    expect(lower.maxRunning).toBe(2);
    const capped = createTrace();
    await runWorkflow({ ...steps(ids, [], data), settings: { concurrency: 64 } }, { registry: testRegistry, concurrency: 3, context: { trace: capped } });
    expect(capped.maxRunning).toBe(3);
  });

  it('starts ties by topological level, then by id, on every run', async () => {
    const wf = steps(['z', 'b', 'a', 'c', 'y'], ['z>c', 'b>y']);
    const orders = [];
    for (let i = 0; i < 3; i++) {
      const trace = createTrace();
      await runWorkflow(wf, { registry: testRegistry, concurrency: 1, context: { trace } });
      orders.push(trace.starts.join(','));
    }
    expect(orders).toEqual(['a,b,z,c,y', 'a,b,z,c,y', 'a,b,z,c,y']);
  });

  it('emits typed events in order and ends with run:finish', async () => {
    const events: RunEvent[] = [];
    const result = await runWorkflow(steps(['a', 'b'], ['a>b']), { registry: testRegistry, runId: 'run-1', onEvent: (e) => events.push(e) });
    expect(events.map((e) => `${e.type}${'nodeId' in e ? `:${e.nodeId}` : ''}`)).toEqual([
      'run:start',
      'node:start:a',
      'node:finish:a',
      'node:start:b',
      'node:finish:b',
      'run:finish',
    ]);
    expect(events.every((e) => e.runId === 'run-1')).toBe(true);
    expect(events[0]).toMatchObject({ type: 'run:start', nodeIds: ['a', 'b'] });
    expect(events.at(-1)).toMatchObject({ type: 'run:finish', status: 'SUCCESS', durationMs: result.durationMs });
    // Plain JSON: the same objects go over SSE unchanged.
    expect(JSON.parse(JSON.stringify(events))).toEqual(events);
  });

  it('delivers the same events through the eventemitter3 emitter and the async iterator', async () => {
    const handle = startRun(steps(['a', 'b'], ['a>b']), { registry: testRegistry });
    const finished: string[] = [];
    handle.events.on('node:finish', (e) => finished.push(e.nodeId));
    const seen: string[] = [];
    for await (const event of handle) seen.push(event.type);
    expect(finished).toEqual(['a', 'b']);
    expect(seen[0]).toBe('run:start');
    expect(seen.at(-1)).toBe('run:finish');
    expect((await handle.result).status).toBe('SUCCESS');
  });

  it('an iterator left early with break keeps nothing of the events after it, and is done', async () => {
    const gc = exposeGc();
    const chatty = defineNode({
      ...textSource('chatty', 'Chatty'),
      async run({ emit }) {
        for (let i = 0; i < 40; i++) {
          emit(`${i}:${'x'.repeat(100_000)}`);
          await new Promise((r) => setTimeout(r, 2));
        }
        return { text: 'done' };
      },
    });
    const handle = startRun({ nodes: [{ id: 'c', type: 'chatty' }], edges: [] }, { registry: createRegistry([chatty]) });
    const deltas: WeakRef<RunEvent>[] = [];
    handle.events.on('node:delta', (e) => deltas.push(new WeakRef(e)));
    const iterator = handle[Symbol.asyncIterator]();
    const seen: string[] = [];
    for await (const event of { [Symbol.asyncIterator]: () => iterator }) {
      seen.push(event.type);
      break;
    }
    expect(seen).toEqual(['run:start']);
    // Mid-run, then after it: the iterator (still referenced here) holds none of the deltas.
    while (deltas.length < 10) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(deltas.filter((ref) => ref.deref() !== undefined)).toEqual([]);
    expect((await handle.result).status).toBe('SUCCESS');
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(deltas).toHaveLength(40);
    expect(deltas.filter((ref) => ref.deref() !== undefined)).toEqual([]);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('an iterator ends when return() is called while it waits, and stays ended', async () => {
    const handle = startRun(steps(['a'], [], { a: { ms: 30 } }), { registry: testRegistry });
    const iterator = handle[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: 'run:start' });
    expect((await iterator.next()).value).toMatchObject({ type: 'node:start' });
    const waiting = iterator.next();
    await iterator.return!();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect((await handle.result).status).toBe('SUCCESS');
    const after = handle[Symbol.asyncIterator]();
    expect(await after.next()).toEqual({ done: true, value: undefined });
    expect(await after.next()).toEqual({ done: true, value: undefined });
  });

  it('streams node:delta chunks in order', async () => {
    const talker = defineNode({
      ...textSource('talker', 'Talker'),
      async run({ emit }) {
        for (const word of ['one ', 'two ', 'three']) {
          emit(word);
          await new Promise((r) => setTimeout(r, 1));
        }
        return { text: 'one two three' };
      },
    });
    const registry = createRegistry([talker]);
    const deltas: string[] = [];
    await runWorkflow({ nodes: [{ id: 't', type: 'talker' }], edges: [] }, {
      registry,
      onEvent: (e) => e.type === 'node:delta' && deltas.push(e.delta),
    });
    expect(deltas).toEqual(['one ', 'two ', 'three']);
  });

  it('throws a typed validation error for an invalid workflow and runs nothing', async () => {
    const trace = createTrace();
    const run = runWorkflow(steps(['a', 'b'], ['a>b', 'b>a']), { registry: testRegistry, context: { trace } });
    await expect(run).rejects.toBeInstanceOf(WorkflowValidationError);
    await expect(run).rejects.toMatchObject({ code: 'E_VALIDATION', issues: [expect.objectContaining({ code: 'E_CYCLE' })] });
    expect(trace.starts).toEqual([]);
  });

  it('an empty workflow succeeds at once', async () => {
    const result = await runWorkflow({ nodes: [], edges: [] }, { registry: testRegistry });
    expect(result).toMatchObject({ status: 'SUCCESS', nodes: {} });
  });
});

describe('runWorkflow: failure modes', () => {
  it('fail_fast aborts in-flight nodes, cancels the rest and fails the run', async () => {
    const trace = createTrace();
    const wf = steps(['bad', 'slow', 'after', 'later'], ['slow>after', 'bad>later'], {
      bad: { ms: 10, fail: true },
      slow: { ms: 5_000 },
    });
    const started = performance.now();
    const result = await runWorkflow(wf, { registry: testRegistry, failureMode: 'fail_fast', context: { trace } });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result.status).toBe('FAILED');
    expect(statuses(result.nodes)).toEqual({ bad: 'FAILED', slow: 'CANCELED', after: 'CANCELED', later: 'CANCELED' });
    expect(trace.aborted).toEqual(['slow']);
    expect(result.nodes.slow!.error).toMatchObject({ code: 'E_CANCELED', message: expect.stringContaining('"Step" failed') });
    expect(result.error).toMatchObject({ code: 'E_NODE_FAILED', nodeId: 'bad' });
  });

  it('fail_safe skips exactly the descendants of the failed node while other branches finish', async () => {
    const wf = steps(['a', 'bad', 'c', 'd', 'x', 'y'], ['a>bad', 'bad>c', 'c>d', 'a>x', 'x>y', 'x>d'], { bad: { fail: true }, x: { ms: 20 } });
    const result = await runWorkflow(wf, { registry: testRegistry, failureMode: 'fail_safe' });
    expect(result.status).toBe('PARTIAL');
    expect(statuses(result.nodes)).toEqual({ a: 'SUCCESS', bad: 'FAILED', c: 'SKIPPED', d: 'SKIPPED', x: 'SUCCESS', y: 'SUCCESS' });
    expect(result.nodes.d).toMatchObject({ skippedBecause: 'bad', attempts: 0, error: { code: 'E_UPSTREAM_FAILED' } });
  });

  it('a PARTIAL run says what went wrong: its error is the first node failure, on the result and on run:finish', async () => {
    const finishes: RunEvent[] = [];
    const wf = steps(['first', 'second', 'ok'], [], { first: { ms: 5, fail: true }, second: { ms: 30, fail: true } });
    const result = await runWorkflow(wf, { registry: testRegistry, failureMode: 'fail_safe', onEvent: (e) => e.type === 'run:finish' && finishes.push(e) });
    expect(result.status).toBe('PARTIAL');
    expect(result.error).toEqual({ code: 'E_NODE_FAILED', message: 'first broke', retryable: false, nodeId: 'first' });
    expect(finishes).toEqual([expect.objectContaining({ status: 'PARTIAL', error: result.error })]);
    const success = await runWorkflow(steps(['a'], []), { registry: testRegistry });
    expect(success.error).toBeUndefined();
  });

  it('fail_safe run is FAILED when nothing succeeded', async () => {
    const result = await runWorkflow(steps(['a', 'b'], ['a>b'], { a: { fail: true } }), { registry: testRegistry, failureMode: 'fail_safe' });
    expect(result.status).toBe('FAILED');
    expect(statuses(result.nodes)).toEqual({ a: 'FAILED', b: 'SKIPPED' });
  });

  it('a node can override the failure mode of the workflow', async () => {
    const wf = steps(['soft', 'child', 'other'], ['soft>child'], { soft: { fail: true, failureMode: 'fail_safe' }, other: { ms: 20 } });
    const result = await runWorkflow(wf, { registry: testRegistry, failureMode: 'fail_fast' });
    expect(statuses(result.nodes)).toEqual({ soft: 'FAILED', child: 'SKIPPED', other: 'SUCCESS' });
    expect(result.status).toBe('PARTIAL');
    const strict = await runWorkflow({ ...steps(['hard', 'other'], [], { hard: { fail: true, failureMode: 'fail_fast' }, other: { ms: 2_000 } }), settings: { failureMode: 'fail_safe' } }, { registry: testRegistry });
    expect(statuses(strict.nodes)).toEqual({ hard: 'FAILED', other: 'CANCELED' });
  });

  it('never runs a node whose required input got no value: an unset output is a branch not taken', async () => {
    const silent = defineNode({
      ...textSource('silent', 'Silent'),
      run: () => ({}),
    });
    let ran = false;
    const sink = defineNode({
      type: 'sink',
      label: 'Sink',
      category: 'Test',
      inputs: { text: { type: 'text', required: true } },
      outputs: {},
      data: z.object({}),
      run: () => {
        ran = true;
        return {};
      },
    });
    const registry = createRegistry([silent, sink]);
    const result = await runWorkflow(
      { nodes: [{ id: 's', type: 'silent' }, { id: 'k', type: 'sink' }], edges: [{ id: 'e', source: 's', sourceHandle: 'text', target: 'k', targetHandle: 'text' }] },
      { registry },
    );
    expect(ran).toBe(false);
    expect(result.nodes.k).toMatchObject({ status: 'SKIPPED', attempts: 0, skippedBecause: 's', error: { code: 'E_BRANCH_NOT_TAKEN' } });
    expect(result.status).toBe('SUCCESS');
  });

  it('refuses outputs that do not match the port types', async () => {
    const liar = defineNode({
      ...textSource('liar', 'Liar'),
      run: () => ({ text: 42 as unknown as string }),
    });
    const result = await runWorkflow({ nodes: [{ id: 'l', type: 'liar' }], edges: [] }, { registry: createRegistry([liar]) });
    expect(result.nodes.l).toMatchObject({ status: 'FAILED', error: { code: 'E_INVALID_OUTPUT', retryable: false } });
  });
});

describe('runWorkflow: retries and timeouts', () => {
  it('retries retryable errors with exponential backoff and reports each retry', async () => {
    const events: RunEvent[] = [];
    const result = await runWorkflow(steps(['flaky'], [], { flaky: { failTimes: 2, retryable: true } }), {
      registry: testRegistry,
      retry: { maxAttempts: 3, backoffMs: 10, factor: 3, jitter: false },
      onEvent: (e) => events.push(e),
    });
    expect(result.nodes.flaky).toMatchObject({ status: 'SUCCESS', attempts: 3 });
    const retries = events.filter((e) => e.type === 'node:retry');
    expect(retries.map((e) => [e.attempt, e.delayMs])).toEqual([
      [1, 10],
      [2, 30],
    ]);
    expect(retries[0]).toMatchObject({ error: { code: 'E_NODE_FAILED', retryable: true, message: 'flaky flaked on attempt 1' } });
    expect(result.logs.filter((l) => l.level === 'warn')).toHaveLength(2);
  });

  it('gives up after maxAttempts, and never retries errors not marked retryable', async () => {
    const trace = createTrace();
    const result = await runWorkflow(steps(['flaky', 'broken'], [], { flaky: { fail: true, retryable: true }, broken: { fail: true } }), {
      registry: testRegistry,
      failureMode: 'fail_safe',
      retry: { maxAttempts: 4, backoffMs: 1 },
      context: { trace },
    });
    expect(result.nodes.flaky).toMatchObject({ status: 'FAILED', attempts: 4 });
    expect(result.nodes.broken).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(trace.calls.get('broken')).toBe(1);
  });

  it('caps the backoff and spreads it with jitter between half and all of it', async () => {
    const delays: number[] = [];
    await runWorkflow(steps(['f'], [], { f: { failTimes: 4, retryable: true } }), {
      registry: testRegistry,
      retry: { maxAttempts: 5, backoffMs: 4, factor: 10, maxBackoffMs: 50, jitter: true },
      random: () => 0,
      onEvent: (e) => e.type === 'node:retry' && delays.push(e.delayMs),
    });
    expect(delays).toEqual([2, 20, 25, 25]);
  });

  it('waits at least as long as the error says (Retry-After), even for an error from another copy of the engine', async () => {
    let calls = 0;
    const limited = defineNode({
      ...textSource('limited', 'Limited'),
      run: () => {
        calls++;
        // A plain object with GalaxyError's fields, as a second bundled copy would throw.
        if (calls === 1) throw Object.assign(new Error('rate limited'), { code: 'E_PROVIDER_RATE_LIMIT', retryable: true, retryAfterMs: 40 });
        return { text: 'ok' };
      },
    });
    const delays: number[] = [];
    const result = await runWorkflow({ nodes: [{ id: 'l', type: 'limited' }], edges: [] }, {
      registry: createRegistry([limited]),
      retry: { maxAttempts: 2, backoffMs: 1, jitter: false },
      onEvent: (e) => e.type === 'node:retry' && delays.push(e.delayMs),
    });
    expect(delays).toEqual([40]);
    expect(result.nodes.l).toMatchObject({ status: 'SUCCESS', attempts: 2 });
  });

  it('does not wait out a Retry-After longer than maxBackoffMs: the node fails at once, saying when to try again', async () => {
    const limited = defineNode({
      ...textSource('limited', 'Limited'),
      run: () => {
        throw Object.assign(new Error('Quota used up.'), { code: 'E_PROVIDER_RATE_LIMIT', retryable: true, retryAfterMs: 3_600_000 });
      },
    });
    const events: RunEvent[] = [];
    const started = performance.now();
    const result = await runWorkflow({ nodes: [{ id: 'l', type: 'limited' }], edges: [] }, {
      registry: createRegistry([limited]),
      retry: { maxAttempts: 3, backoffMs: 1, maxBackoffMs: 5_000 },
      now: () => Date.UTC(2030, 0, 1, 12, 0, 0),
      onEvent: (e) => events.push(e),
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(events.filter((e) => e.type === 'node:retry')).toEqual([]);
    expect(result.nodes.l).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'E_PROVIDER_RATE_LIMIT', retryable: false } });
    expect(result.nodes.l!.error!.message).toContain('Quota used up.');
    expect(result.nodes.l!.error!.message).toContain('2030-01-01T13:00:00.000Z');
    expect(result.nodes.l!.error!.details).toMatchObject({ retryAfterMs: 3_600_000, retryAt: '2030-01-01T13:00:00.000Z' });
  });

  it("stamps a chain's nodes from the run's clock in order: none starts before the one it waits on ended", async () => {
    let tick = 1_000;
    const wf = steps(['a', 'b', 'c', 'd'], ['a>b', 'b>c', 'c>d'], { b: { ms: 5 } });
    const result = await runWorkflow(wf, { registry: testRegistry, now: () => (tick += 10) });
    const chain = ['a', 'b', 'c', 'd'].map((id) => result.nodes[id]!);
    for (const node of chain) {
      expect(node.status).toBe('SUCCESS');
      expect(node.durationMs).toBe(node.finishedAt! - node.startedAt!);
      expect(node.finishedAt).toBeGreaterThan(node.startedAt!);
    }
    for (let k = 1; k < chain.length; k++) expect(chain[k]!.startedAt).toBeGreaterThanOrEqual(chain[k - 1]!.finishedAt!);
    expect(result.startedAt).toBeLessThanOrEqual(chain[0]!.startedAt!);
    expect(result.finishedAt).toBeGreaterThanOrEqual(chain[3]!.finishedAt!);
  });

  it('per-node retry policy overrides the run policy', async () => {
    const result = await runWorkflow(steps(['f'], [], { f: { fail: true, retryable: true, retryPolicy: { maxAttempts: 2, backoffMs: 1 } } }), {
      registry: testRegistry,
      retry: { maxAttempts: 5, backoffMs: 1 },
    });
    expect(result.nodes.f!.attempts).toBe(2);
  });

  it('times out a node even when it ignores its signal, and the signal fires', async () => {
    const trace = createTrace();
    const started = performance.now();
    const result = await runWorkflow(steps(['stuck', 'polite'], [], { stuck: { ms: 5_000, ignoreSignal: true }, polite: { ms: 5_000 } }), {
      registry: testRegistry,
      failureMode: 'fail_safe',
      nodeTimeoutMs: 40,
      retry: { maxAttempts: 1 },
      context: { trace },
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result.nodes.stuck).toMatchObject({ status: 'FAILED', error: { code: 'E_TIMEOUT', retryable: true } });
    expect(result.nodes.polite).toMatchObject({ status: 'FAILED', error: { code: 'E_TIMEOUT' } });
    expect(trace.aborted).toEqual(['polite']);
  });

  it('drops what an abandoned attempt logs, emits or reports after it timed out', async () => {
    const late = defineNode({
      ...textSource('late', 'Late'),
      async run({ log, emit, setMeta }) {
        log('info', 'started');
        // Ignores its signal, as a careless executor does, and carries on after its time is up.
        await new Promise((r) => setTimeout(r, 60));
        log('warn', 'still here after the timeout');
        emit('late chunk');
        setMeta({ late: true });
        return { text: 'too late' };
      },
    });
    const events: RunEvent[] = [];
    const result = await runWorkflow(
      { nodes: [{ id: 'late', type: 'late', data: { timeoutMs: 20 } }, { id: 'slow', type: 'step', data: { ms: 150 } }], edges: [] },
      { registry: createRegistry([late, ...testRegistry.list()]), failureMode: 'fail_safe', retry: { maxAttempts: 1 }, onEvent: (e) => events.push(e) },
    );
    expect(result.nodes.slow!.status).toBe('SUCCESS');
    expect(result.nodes.late).toMatchObject({ status: 'FAILED', error: { code: 'E_TIMEOUT' } });
    expect(result.nodes.late!.meta).toBeUndefined();
    const lateLines = result.logs.filter((l) => l.nodeId === 'late').map((l) => l.message);
    expect(lateLines).toContain('started');
    expect(lateLines).not.toContain('still here after the timeout');
    expect(events.some((e) => e.type === 'log' && e.entry.message === 'still here after the timeout')).toBe(false);
    expect(events.some((e) => e.type === 'node:delta')).toBe(false);
  });

  it('per-node timeout overrides the run timeout; timeouts are retried', async () => {
    const result = await runWorkflow(steps(['slow'], [], { slow: { ms: 200, timeoutMs: 20 } }), {
      registry: testRegistry,
      nodeTimeoutMs: 10_000,
      retry: { maxAttempts: 2, backoffMs: 1 },
    });
    expect(result.nodes.slow).toMatchObject({ status: 'FAILED', attempts: 2, error: { code: 'E_TIMEOUT' } });
  });
});

describe('runWorkflow: cancellation', () => {
  it('an aborted signal cancels in-flight nodes promptly and starts nothing after', async () => {
    const trace = createTrace();
    const controller = new AbortController();
    const run = runWorkflow(steps(['a', 'b', 'c'], ['a>b', 'b>c'], { a: { ms: 10 }, b: { ms: 5_000 } }), {
      registry: testRegistry,
      signal: controller.signal,
      context: { trace },
    });
    await new Promise((r) => setTimeout(r, 60));
    const stoppedAt = performance.now();
    controller.abort();
    const result = await run;
    expect(performance.now() - stoppedAt).toBeLessThan(100);
    expect(result.status).toBe('CANCELED');
    expect(statuses(result.nodes)).toEqual({ a: 'SUCCESS', b: 'CANCELED', c: 'CANCELED' });
    expect(trace.aborted).toEqual(['b']);
    expect(trace.starts).toEqual(['a', 'b']);
    expect(result.nodes.a!.output).toEqual({ out: 'a' });
    expect(result.error).toMatchObject({ code: 'E_CANCELED' });
  });

  it('cancels during retry backoff without waiting it out', async () => {
    const handle = startRun(steps(['f'], [], { f: { fail: true, retryable: true } }), {
      registry: testRegistry,
      retry: { maxAttempts: 5, backoffMs: 10_000, jitter: false },
    });
    handle.events.on('node:retry', () => handle.cancel('user pressed stop'));
    const started = performance.now();
    const result = await handle.result;
    expect(performance.now() - started).toBeLessThan(500);
    expect(result.nodes.f).toMatchObject({ status: 'CANCELED', attempts: 1, error: { message: 'user pressed stop' } });
  });

  it('a signal aborted before the start cancels every node', async () => {
    const trace = createTrace();
    const result = await runWorkflow(steps(['a', 'b'], ['a>b']), { registry: testRegistry, signal: AbortSignal.abort(), context: { trace } });
    expect(result.status).toBe('CANCELED');
    expect(statuses(result.nodes)).toEqual({ a: 'CANCELED', b: 'CANCELED' });
    expect(trace.starts).toEqual([]);
  });
});

describe('runWorkflow: partial runs and reuse', () => {
  const wf = steps(['a', 'b', 'c', 'other'], ['a>b', 'b>c']);

  it('runs only the targets and their ancestors', async () => {
    const trace = createTrace();
    const result = await runWorkflow(wf, { registry: testRegistry, targetNodeIds: ['b'], context: { trace } });
    expect(Object.keys(result.nodes).sort()).toEqual(['a', 'b']);
    expect(trace.starts).toEqual(['a', 'b']);
  });

  it('reuses unchanged upstream outputs, re-runs the target and anything changed', async () => {
    const first = await runWorkflow(wf, { registry: testRegistry });
    const trace = createTrace();
    const again = await runWorkflow(wf, { registry: testRegistry, targetNodeIds: ['c'], reuse: first, context: { trace } });
    expect(trace.starts).toEqual(['c']);
    expect(again.nodes.a).toMatchObject({ status: 'SUCCESS', reused: true, attempts: 0, output: { out: 'a' } });
    expect(again.nodes.c).toMatchObject({ status: 'SUCCESS', attempts: 1, output: { out: 'a>b>c' } });

    // Change b's settings: b runs again. Its output is unchanged, so c's inputs hash the
    // same and c is reused too; `other` never ran before, so it runs.
    const edited = steps(['a', 'b', 'c', 'other'], ['a>b', 'b>c'], { b: { ms: 1 } });
    const trace2 = createTrace();
    const third = await runWorkflow(edited, { registry: testRegistry, reuse: again, context: { trace: trace2 } });
    expect(trace2.starts.sort()).toEqual(['b', 'other']);
    expect(third.nodes.c!.reused).toBe(true);

    // Change a's settings without changing its output: a runs, its descendants are reused.
    const renamed = { ...edited, nodes: edited.nodes.map((n) => (n.id === 'a' ? { ...n, data: { ms: 2 } } : n)) };
    const trace3 = createTrace();
    await runWorkflow(renamed, { registry: testRegistry, reuse: third, context: { trace: trace3 } });
    expect(trace3.starts).toEqual(['a']);
  });

  it('keeps reusing a node that was only renamed or given other run controls, not one whose own data changed', async () => {
    const first = await runWorkflow(wf, { registry: testRegistry });
    const controls = steps(['a', 'b', 'c', 'other'], ['a>b', 'b>c'], {
      a: { label: 'Fetch the page' },
      b: { timeoutMs: 5_000, retryPolicy: { maxAttempts: 2 }, failureMode: 'fail_safe', label: 'Summarize' },
    });
    const trace = createTrace();
    const again = await runWorkflow(controls, { registry: testRegistry, targetNodeIds: ['c'], reuse: first, context: { trace } });
    expect(trace.starts).toEqual(['c']);
    expect(again.nodes.a).toMatchObject({ reused: true, hash: first.nodes.a!.hash });
    expect(again.nodes.b).toMatchObject({ reused: true, hash: first.nodes.b!.hash });

    const edited = steps(['a', 'b', 'c', 'other'], ['a>b', 'b>c'], { a: { label: 'Fetch the page', ms: 1 } });
    const trace2 = createTrace();
    const third = await runWorkflow(edited, { registry: testRegistry, targetNodeIds: ['c'], reuse: again, context: { trace: trace2 } });
    expect(trace2.starts).toEqual(['a', 'c']);
    expect(third.nodes.a!.hash).not.toBe(first.nodes.a!.hash);
  });

  it("gives a result's hash from the data and inputs the node ran with, however the result is read", async () => {
    const first = await runWorkflow(wf, { registry: testRegistry });
    const b = first.nodes.b!;
    const expected = hashNodeRun('step', wf.nodes.find((node) => node.id === 'b')!.data, b.input);
    b.input = { in: 'something else' };
    const derived = Object.create(b) as typeof b;
    const copy = { ...b };
    expect([b.hash, derived.hash, copy.hash, JSON.parse(JSON.stringify(b)).hash]).toEqual([expected, expected, expected, expected]);
    expect(first.nodes.a!.hash).not.toBe(expected);
  });

  it('reuses results that went through JSON, as a store keeps them', async () => {
    const first = await runWorkflow(wf, { registry: testRegistry });
    const stored = JSON.parse(JSON.stringify(first)) as typeof first;
    expect(stored.nodes.a!.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(stored.nodes.a!.hash).toBe(first.nodes.a!.hash);
    const trace = createTrace();
    const again = await runWorkflow(wf, { registry: testRegistry, reuse: stored, context: { trace } });
    expect(trace.starts).toEqual([]);
    expect(Object.values(again.nodes).every((n) => n.reused)).toBe(true);
  });

  it('does not reuse failed results', async () => {
    const failed = await runWorkflow(steps(['a'], [], { a: { failTimes: 1, retryable: true } }), { registry: testRegistry, retry: { maxAttempts: 1 } });
    expect(failed.nodes.a!.status).toBe('FAILED');
    const retried = await runWorkflow(steps(['a'], [], { a: { failTimes: 1, retryable: true } }), { registry: testRegistry, reuse: failed, retry: { maxAttempts: 1 } });
    expect(retried.nodes.a!.reused).toBeUndefined();
  });
});

describe('runWorkflow: port keys', () => {
  // Port names that are also members of Object.prototype: valid identifiers, so a node may use them.
  // (TypeScript types these names as Object's own members in a literal, hence the typed constant.)
  const anyPort: PortSpec = { type: 'any' };
  const probeInputs: PortMap = { text: { type: 'text', required: true }, toString: anyPort };
  const probeOutputs: PortMap = { text: { type: 'text' }, valueOf: anyPort };
  const probe = defineNode({
    type: 'probe',
    label: 'Probe',
    category: 'Test',
    inputs: probeInputs,
    outputs: probeOutputs,
    data: z.object({}),
    run: ({ inputs, context }) => {
      (context.seen as unknown[]).push(inputs);
      return { text: inputs.text as string };
    },
  });
  const registry = createRegistry([...testRegistry.list(), probe]);

  it('refuses an edge whose handle is an object-prototype key before anything runs', async () => {
    const trace = createTrace();
    for (const [sourceHandle, targetHandle] of [
      ['constructor', 'value'],
      ['text', '__proto__'],
      ['text', 'toString'],
    ] as const) {
      const run = runWorkflow(
        {
          nodes: [
            { id: 't', type: 'text', data: { text: 'hi' } },
            { id: 'd', type: 'debug' },
          ],
          edges: [{ id: 'e', source: 't', sourceHandle, target: 'd', targetHandle }],
        },
        { registry, context: { trace } },
      );
      await expect(run).rejects.toMatchObject({ code: 'E_VALIDATION', issues: expect.arrayContaining([expect.objectContaining({ code: 'E_MISSING_HANDLE', edgeId: 'e' })]) });
    }
    expect(trace.starts).toEqual([]);
  });

  it('gives a node only the inputs that were fed, and passes on only the outputs it returned', async () => {
    const seen: Record<string, unknown>[] = [];
    const result = await runWorkflow(
      {
        nodes: [
          { id: 't', type: 'text', data: { text: 'hi' } },
          { id: 'p', type: 'probe' },
          { id: 'd', type: 'debug' },
        ],
        edges: [
          { id: 'e1', source: 't', sourceHandle: 'text', target: 'p', targetHandle: 'text' },
          { id: 'e2', source: 'p', sourceHandle: 'valueOf', target: 'd', targetHandle: 'value' },
        ],
      },
      { registry, failureMode: 'fail_safe', context: { seen } },
    );
    // The unconnected `toString` input is absent, not Object.prototype.toString.
    expect(seen[0]!.toString).toBeUndefined();
    expect(Object.keys(seen[0]!)).toEqual(['text']);
    // `p` returned no `valueOf`: Debug gets no value, not Object.prototype.valueOf, so it never runs.
    expect(result.nodes.p).toMatchObject({ status: 'SUCCESS', output: { text: 'hi' } });
    expect(Object.keys(result.nodes.p!.output!)).toEqual(['text']);
    expect(result.nodes.d).toMatchObject({ status: 'SKIPPED', error: { code: 'E_BRANCH_NOT_TAKEN', details: { branchNodeId: 'p', branchPort: 'valueOf' } } });
    expect(JSON.parse(JSON.stringify(result.nodes.p))).toEqual(result.nodes.p);
  });
});

describe('runWorkflow: listeners that throw', () => {
  it('an onEvent listener that throws neither crashes the host nor breaks the run; the run logs it', async () => {
    const seen: string[] = [];
    const result = await runWorkflow(steps(['a', 'b'], ['a>b']), {
      registry: testRegistry,
      onEvent: (e) => {
        seen.push(e.type);
        if (e.type === 'node:finish' && e.nodeId === 'a') throw new Error('listener bug');
      },
    });
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.b!.status).toBe('SUCCESS');
    expect(seen.at(-1)).toBe('run:finish');
    const logged = result.logs.filter((l) => l.level === 'error');
    expect(logged).toEqual([expect.objectContaining({ message: expect.stringContaining('listener bug') })]);
    expect(logged[0]!.message).toContain('node:finish');
    // Reported after the event it failed on, so every consumer still sees events in order.
    expect(seen.indexOf('log')).toBeGreaterThan(seen.indexOf('node:finish'));
  });

  it('an emitter listener that throws does not stop the listeners after it, nor the run', async () => {
    const handle = startRun(steps(['a', 'b'], ['a>b']), { registry: testRegistry });
    const finished: string[] = [];
    const broken = () => {
      throw new Error('emitter listener bug');
    };
    handle.events.on('node:finish', broken);
    handle.events.on('node:finish', (e) => finished.push(e.nodeId));
    const once: string[] = [];
    handle.events.once('node:start', (e) => {
      once.push(e.nodeId);
      throw new Error('once listener bug');
    });
    const result = await handle.result;
    expect(result.status).toBe('SUCCESS');
    expect(finished).toEqual(['a', 'b']);
    expect(once).toEqual(['a']);
    expect(result.logs.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      expect.stringContaining('once listener bug'),
      expect.stringContaining('emitter listener bug'),
      expect.stringContaining('emitter listener bug'),
    ]);
    // Listeners are removed by the function the host registered.
    expect(handle.events.listeners('node:finish')).toContain(broken);
    handle.events.off('node:finish', broken);
    expect(handle.events.listeners('node:finish')).not.toContain(broken);
  });

  it('hands listener errors to onListenerError instead, when given', async () => {
    const reported: [string, string][] = [];
    const result = await runWorkflow(steps(['a'], []), {
      registry: testRegistry,
      onEvent: (e) => {
        if (e.type === 'node:start') throw new Error('boom');
      },
      onListenerError: (error, event) => reported.push([(error as Error).message, event.type]),
    });
    expect(result.status).toBe('SUCCESS');
    expect(reported).toEqual([['boom', 'node:start']]);
    expect(result.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('a listener that throws on every event cannot flood the log', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `n${i}`);
    const result = await runWorkflow(steps(ids, []), {
      registry: testRegistry,
      onEvent: () => {
        throw new Error('always');
      },
    });
    expect(result.status).toBe('SUCCESS');
    expect(result.logs.length).toBeLessThanOrEqual(11);
    expect(result.logs.at(-1)!.message).toMatch(/not logged/);
  });
});

describe('runWorkflow: node meta', () => {
  it('records what the attempt that ended the node reported, on the result and its node:finish event', async () => {
    const reporter = defineNode({
      ...textSource('reporter', 'Reporter'),
      run: ({ attempt, setMeta }) => {
        setMeta({ attempt, firstOnly: attempt === 1 ? 'yes' : undefined });
        setMeta({ source: `try ${attempt}` });
        if (attempt === 1) throw new RetryableError('flaky');
        return { text: 'ok' };
      },
    });
    const finishes: RunEvent[] = [];
    const result = await runWorkflow({ nodes: [{ id: 'r', type: 'reporter' }], edges: [] }, {
      registry: createRegistry([reporter]),
      retry: { maxAttempts: 2, backoffMs: 1 },
      onEvent: (e) => e.type === 'node:finish' && finishes.push(e),
    });
    expect(result.nodes.r).toMatchObject({ status: 'SUCCESS', attempts: 2 });
    expect(result.nodes.r!.meta).toEqual({ attempt: 2, source: 'try 2' });
    expect(finishes[0]).toMatchObject({ result: { meta: { attempt: 2, source: 'try 2' } } });
  });

  it('refuses meta that is not plain JSON', async () => {
    const bad = defineNode({
      ...textSource('bad_meta', 'Bad meta'),
      run: ({ setMeta }) => {
        setMeta({ big: 10n });
        return { text: 'ok' };
      },
    });
    const result = await runWorkflow({ nodes: [{ id: 'b', type: 'bad_meta' }], edges: [] }, { registry: createRegistry([bad]) });
    expect(result.nodes.b).toMatchObject({ status: 'FAILED', error: { code: 'E_INVALID_OUTPUT' } });
  });
});
