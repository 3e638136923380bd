import { describe, expect, it } from 'vitest';
import { GalaxyError, RetryableError, RunOptionsError } from '../errors';
import { runWorkflow, startRun } from '../run';
import type { RunEvent, RunSnapshot } from '../types';
import { createTrace, steps, testRegistry } from './kit';

const statuses = (nodes: Record<string, { status: string }>) =>
  Object.fromEntries(Object.entries(nodes).map(([id, r]) => [id, r.status]));

/** An event without its timestamps and durations, which differ between two runs of one graph. */
function shape(event: RunEvent): unknown {
  const { at: _at, ...rest } = event as RunEvent & Record<string, unknown>;
  if (rest.type === 'node:finish') {
    const {
      startedAt: _s,
      finishedAt: _f,
      durationMs: _d,
      ...result
    } = (rest as { result: Record<string, unknown> }).result;
    return { ...rest, result };
  }
  if (rest.type === 'run:finish') {
    const { durationMs: _d, ...finish } = rest;
    return finish;
  }
  if (rest.type === 'log') {
    const { at: _a, ...entry } = (rest as { entry: Record<string, unknown> }).entry;
    return { ...rest, entry };
  }
  return rest;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RunHandle.drain', () => {
  it('lets nodes in flight finish, starts none after, and hands back a snapshot that resumes where it stopped', async () => {
    const trace = createTrace();
    const wf = steps(['a', 'b', 'c', 'd'], ['a>c', 'b>c', 'c>d'], { a: { ms: 30 }, b: { ms: 80 } });
    const events: RunEvent[] = [];
    const handle = startRun(wf, {
      registry: testRegistry,
      runId: 'r1',
      context: { trace },
      onEvent: (e) => events.push(e),
    });
    await wait(50);
    const snapshot = await handle.drain();

    expect(snapshot.status).toBe('QUEUED');
    expect(statuses(snapshot.nodes)).toEqual({ a: 'SUCCESS', b: 'SUCCESS' });
    expect(trace.starts).toEqual(['a', 'b']);
    expect(trace.aborted).toEqual([]);
    expect(events.map((e) => e.type)).not.toContain('run:finish');
    expect(await handle.result).toBe(snapshot);

    const resumedEvents: RunEvent[] = [];
    const resumed = await runWorkflow(wf, {
      registry: testRegistry,
      resume: snapshot,
      context: { trace },
      onEvent: (e) => resumedEvents.push(e),
    });
    expect(resumed.runId).toBe('r1');
    expect(resumed.status).toBe('SUCCESS');
    expect(trace.starts).toEqual(['a', 'b', 'c', 'd']);
    expect(resumed.nodes.d!.output).toEqual({ out: 'a+b>c>d' });
    expect(resumed.startedAt).toBe(snapshot.startedAt);
    expect(resumedEvents[0]).toMatchObject({
      type: 'run:resume',
      runId: 'r1',
      nodeIds: ['a', 'b', 'c', 'd'],
      keptNodeIds: ['a', 'b'],
    });
    // Kept nodes are not announced again: the first segment's events already said how they ended.
    expect(
      resumedEvents
        .filter((e) => e.type === 'node:finish')
        .map((e) => (e as { nodeId: string }).nodeId),
    ).toEqual(['c', 'd']);
  });

  it('with abortInFlight, aborts running nodes and leaves them to run again where the run resumes', async () => {
    const trace = createTrace();
    const wf = steps(['a', 'b'], ['a>b'], { a: { ms: 5_000 } });
    const handle = startRun(wf, { registry: testRegistry, context: { trace } });
    await wait(20);
    const began = performance.now();
    const snapshot = await handle.drain({ abortInFlight: true });
    expect(performance.now() - began).toBeLessThan(200);
    expect(trace.aborted).toEqual(['a']);
    expect(snapshot).toMatchObject({ status: 'QUEUED', nodes: {} });

    const resumed = await runWorkflow(steps(['a', 'b'], ['a>b']), {
      registry: testRegistry,
      resume: snapshot,
      context: { trace },
    });
    expect(statuses(resumed.nodes)).toEqual({ a: 'SUCCESS', b: 'SUCCESS' });
    expect(resumed.nodes.a!.attempts).toBe(1);
  });

  it('leaves a retry for the resumed run instead of waiting out its backoff', async () => {
    const wf = steps(['f'], [], { f: { failTimes: 1, retryable: true, ms: 30 } });
    const handle = startRun(wf, {
      registry: testRegistry,
      retry: { maxAttempts: 3, backoffMs: 10_000, jitter: false },
    });
    const retried = new Promise<void>((resolve) => handle.events.on('node:retry', () => resolve()));
    await retried;
    const began = performance.now();
    const snapshot = await handle.drain();
    expect(performance.now() - began).toBeLessThan(200);
    expect(snapshot.nodes).toEqual({});
  });

  it('resolves with the final snapshot when the run ends while draining', async () => {
    const handle = startRun(steps(['a'], [], { a: { ms: 30 } }), { registry: testRegistry });
    await wait(5);
    const snapshot = await handle.drain();
    expect(snapshot.status).toBe('SUCCESS');
    expect(snapshot.finishedAt).toBeTypeOf('number');
  });

  it('cancel during a drain wins: nodes in flight end CANCELED and the run finishes', async () => {
    const handle = startRun(steps(['a', 'b'], ['a>b'], { a: { ms: 5_000 } }), {
      registry: testRegistry,
    });
    await wait(10);
    const drained = handle.drain();
    handle.cancel('stop everything');
    const snapshot = await drained;
    expect(snapshot.status).toBe('CANCELED');
    expect(statuses(snapshot.nodes)).toEqual({ a: 'CANCELED', b: 'CANCELED' });
  });

  it('a drained and resumed run emits the same events as one that ran straight through, but for run:resume', async () => {
    const wf = steps(['a', 'b', 'c'], ['a>b', 'b>c'], { a: { ms: 20 }, b: { ms: 20 } });
    const straight: RunEvent[] = [];
    await runWorkflow(wf, {
      registry: testRegistry,
      runId: 'same',
      onEvent: (e) => straight.push(e),
    });

    const split: RunEvent[] = [];
    const handle = startRun(wf, {
      registry: testRegistry,
      runId: 'same',
      onEvent: (e) => split.push(e),
    });
    await wait(5);
    const snapshot = await handle.drain();
    await runWorkflow(wf, {
      registry: testRegistry,
      resume: snapshot,
      onEvent: (e) => split.push(e),
    });

    const withoutResume = split.filter((e) => e.type !== 'run:resume').map(shape);
    expect(withoutResume).toEqual(straight.map(shape));
    expect(split.filter((e) => e.type === 'run:resume')).toHaveLength(1);
  });
});

describe('RunOptions.resume', () => {
  it('keeps a fail_safe failure and its skips, and runs only what was left', async () => {
    const trace = createTrace();
    const wf = {
      ...steps(['f', 'g', 'ok'], ['f>g']),
      settings: { failureMode: 'fail_safe' as const },
    };
    const snapshot: RunSnapshot = {
      runId: 'r2',
      status: 'QUEUED',
      startedAt: 1_000,
      logs: [{ at: 1_000, level: 'error', message: 'Node "f" failed: f broke', nodeId: 'f' }],
      nodes: {
        f: {
          status: 'FAILED',
          attempts: 1,
          error: { code: 'E_NODE_FAILED', message: 'f broke', retryable: false, nodeId: 'f' },
        },
      },
    };
    const result = await runWorkflow(wf, {
      registry: testRegistry,
      resume: snapshot,
      context: { trace },
    });
    expect(result.status).toBe('PARTIAL');
    expect(statuses(result.nodes)).toEqual({ f: 'FAILED', g: 'SKIPPED', ok: 'SUCCESS' });
    expect(result.error).toMatchObject({ code: 'E_NODE_FAILED', nodeId: 'f' });
    expect(trace.starts).toEqual(['ok']);
    expect(result.logs[0]!.message).toBe('Node "f" failed: f broke');
    expect(result.durationMs).toBe(result.finishedAt - 1_000);
  });

  it('never runs again a kept node whose upstream was kept too', async () => {
    const trace = createTrace();
    const snapshot: RunSnapshot = {
      runId: 'r4',
      status: 'QUEUED',
      startedAt: Date.now(),
      logs: [],
      nodes: {
        a: { status: 'SUCCESS', attempts: 1, output: { out: 'a' } },
        b: { status: 'SUCCESS', attempts: 1, output: { out: 'a>b' } },
      },
    };
    const result = await runWorkflow(steps(['a', 'b', 'c'], ['a>b', 'b>c']), {
      registry: testRegistry,
      resume: snapshot,
      context: { trace },
    });
    expect(trace.starts).toEqual(['c']);
    expect(result.nodes.c!.output).toEqual({ out: 'a>b>c' });
  });

  it('runs again a node a dead worker left RUNNING', async () => {
    const trace = createTrace();
    const snapshot: RunSnapshot = {
      runId: 'r3',
      status: 'RUNNING',
      startedAt: Date.now(),
      logs: [],
      nodes: {
        a: { status: 'SUCCESS', attempts: 1, output: { out: 'a' } },
        b: { status: 'RUNNING', attempts: 1 },
      },
    };
    const result = await runWorkflow(steps(['a', 'b'], ['a>b']), {
      registry: testRegistry,
      resume: snapshot,
      context: { trace },
    });
    expect(trace.starts).toEqual(['b']);
    expect(result.nodes.b!.output).toEqual({ out: 'a>b' });
  });

  it('refuses a snapshot that is not one, naming the field', () => {
    const bad = {
      runId: 'x',
      status: 'DONE',
      startedAt: 1,
      nodes: {},
      logs: [],
    } as unknown as RunSnapshot;
    expect(() => startRun(steps(['a'], []), { registry: testRegistry, resume: bad })).toThrow(
      RunOptionsError,
    );
    expect(() => startRun(steps(['a'], []), { registry: testRegistry, resume: bad })).toThrow(
      /status/,
    );
  });
});

describe('RunOptions.beforeNodeStart', () => {
  it('holds a node until the hook allows it; node:start and the time limit begin only then', async () => {
    const events: RunEvent[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handle = startRun(steps(['a'], [], { a: { ms: 10 } }), {
      registry: testRegistry,
      nodeTimeoutMs: 60,
      beforeNodeStart: () => gate,
      onEvent: (e) => events.push(e),
    });
    await wait(100);
    expect(events.map((e) => e.type)).toEqual(['run:start']);
    release();
    const result = await handle.result;
    expect(result.status).toBe('SUCCESS');
    const start = events.find((e) => e.type === 'node:start')!;
    expect(start.at).toBe(result.nodes.a!.startedAt);
  });

  it('a hook that throws fails the attempt with its error; no executor runs', async () => {
    const trace = createTrace();
    const result = await runWorkflow(steps(['a', 'b'], ['a>b']), {
      registry: testRegistry,
      context: { trace },
      beforeNodeStart: ({ nodeId }) => {
        if (nodeId === 'a')
          throw new GalaxyError(
            'E_BUDGET_EXCEEDED',
            'The daily token budget is spent; it resets at midnight UTC.',
          );
      },
    });
    expect(result.status).toBe('FAILED');
    expect(result.nodes.a).toMatchObject({
      status: 'FAILED',
      error: { code: 'E_BUDGET_EXCEEDED' },
    });
    expect(trace.starts).toEqual([]);
  });

  it('is asked before every attempt, retries included', async () => {
    const asked: string[] = [];
    const result = await runWorkflow(steps(['f'], [], { f: { failTimes: 2, retryable: true } }), {
      registry: testRegistry,
      retry: { maxAttempts: 3, backoffMs: 1, jitter: false },
      beforeNodeStart: async ({ nodeId, attempt }) => {
        asked.push(`${nodeId}#${attempt}`);
      },
    });
    expect(result.nodes.f).toMatchObject({ status: 'SUCCESS', attempts: 3 });
    expect(asked).toEqual(['f#1', 'f#2', 'f#3']);
  });

  it('a retryable refusal is retried like a failed attempt', async () => {
    let refusals = 1;
    const result = await runWorkflow(steps(['a'], []), {
      registry: testRegistry,
      retry: { maxAttempts: 2, backoffMs: 1, jitter: false },
      beforeNodeStart: () => {
        if (refusals-- > 0) throw new RetryableError('the gate is busy');
      },
    });
    expect(result.nodes.a).toMatchObject({ status: 'SUCCESS', attempts: 2 });
  });

  it('a cancel while the hook is pending starts nothing: the node ends CANCELED and the hook sees its signal fire', async () => {
    const trace = createTrace();
    let hookSignal: AbortSignal | undefined;
    const handle = startRun(steps(['a'], []), {
      registry: testRegistry,
      context: { trace },
      beforeNodeStart: ({ signal }) => {
        hookSignal = signal;
        return new Promise<void>((resolve) => setTimeout(resolve, 50));
      },
    });
    await wait(10);
    handle.cancel();
    const result = await handle.result;
    expect(result.nodes.a).toMatchObject({ status: 'CANCELED', attempts: 0 });
    await wait(80);
    expect(trace.starts).toEqual([]);
    expect(hookSignal?.aborted).toBe(true);
  });

  it('a drain while the hook is pending leaves the node to the resumed run', async () => {
    const trace = createTrace();
    const handle = startRun(steps(['a'], []), {
      registry: testRegistry,
      context: { trace },
      beforeNodeStart: () => new Promise<void>((resolve) => setTimeout(resolve, 50)),
    });
    await wait(10);
    const snapshot = await handle.drain();
    await wait(80);
    expect(snapshot.nodes).toEqual({});
    expect(trace.starts).toEqual([]);
  });
});

describe('RunOptions.runTimeoutMs', () => {
  it('stops a run that outlives its limit: FAILED with E_RUN_TIMEOUT, nodes in flight CANCELED', async () => {
    const trace = createTrace();
    const began = performance.now();
    const result = await runWorkflow(steps(['a', 'b'], ['a>b'], { a: { ms: 5_000 } }), {
      registry: testRegistry,
      runTimeoutMs: 50,
      context: { trace },
    });
    expect(performance.now() - began).toBeLessThan(500);
    expect(result.status).toBe('FAILED');
    expect(result.error).toMatchObject({
      code: 'E_RUN_TIMEOUT',
      message: 'The run took longer than its limit of 50 ms and was stopped.',
    });
    expect(statuses(result.nodes)).toEqual({ a: 'CANCELED', b: 'CANCELED' });
    expect(trace.aborted).toEqual(['a']);
  });

  it('counts from the first start of a resumed run', async () => {
    const snapshot: RunSnapshot = {
      runId: 'old',
      status: 'QUEUED',
      startedAt: Date.now() - 10_000,
      nodes: {},
      logs: [],
    };
    const result = await runWorkflow(steps(['a'], [], { a: { ms: 1_000 } }), {
      registry: testRegistry,
      runTimeoutMs: 5_000,
      resume: snapshot,
    });
    expect(result.error).toMatchObject({ code: 'E_RUN_TIMEOUT' });
  });
});

describe('stopping a run from a node:start listener', () => {
  it('a cancel on node:start keeps that node from running', async () => {
    const trace = createTrace();
    const handle = startRun(steps(['a', 'b'], ['a>b']), {
      registry: testRegistry,
      context: { trace },
      onEvent: (e) => {
        if (e.type === 'node:start' && e.nodeId === 'b') handle.cancel();
      },
    });
    const result = await handle.result;
    expect(trace.starts).toEqual(['a']);
    expect(result.nodes.b).toMatchObject({ status: 'CANCELED', error: { code: 'E_CANCELED' } });
  });

  it('a drain that aborts nodes in flight, on node:start, leaves that node to the resumed run', async () => {
    const trace = createTrace();
    const handle = startRun(steps(['a', 'b'], ['a>b']), {
      registry: testRegistry,
      context: { trace },
      onEvent: (e) => {
        if (e.type === 'node:start' && e.nodeId === 'b') void handle.drain({ abortInFlight: true });
      },
    });
    const snapshot = await handle.result;
    expect(trace.starts).toEqual(['a']);
    expect(Object.keys(snapshot.nodes)).toEqual(['a']);
  });
});

describe('RunOptions.sliceMs', () => {
  /** One source fanned out to `n` synchronous nodes: the whole run completes in microtasks. */
  function fanOut(n: number) {
    return {
      nodes: [
        { id: 'src', type: 'text', data: { text: 'x' } },
        ...Array.from({ length: n }, (_, i) => ({ id: `d${i}`, type: 'debug', data: {} })),
      ],
      edges: Array.from({ length: n }, (_, i) => ({
        id: `e${i}`,
        source: 'src',
        sourceHandle: 'text',
        target: `d${i}`,
        targetHandle: 'value',
      })),
    };
  }

  /**
   * Starts a 2,000-node synchronous run with `sliceMs` beside a zero-delay timer; resolves with
   * the result and whether the run had already finished when the timer fired.
   */
  async function raceTimer(sliceMs: number) {
    const handle = startRun(fanOut(1_999), { registry: testRegistry, sliceMs, concurrency: Number.POSITIVE_INFINITY });
    let done = false;
    void handle.result.then(() => {
      done = true;
    });
    const timerFired = new Promise<boolean>((resolve) => setTimeout(() => resolve(done), 0));
    const result = await handle.result;
    return { result, finishedWhenTimerFired: await timerFired };
  }

  it('gives the event loop a turn during a long run of synchronous nodes', async () => {
    const { result, finishedWhenTimerFired } = await raceTimer(1);
    expect(result.status).toBe('SUCCESS');
    expect(Object.keys(result.nodes)).toHaveLength(2_000);
    expect(finishedWhenTimerFired).toBe(false);
  });

  it('with sliceMs 0 never yields: the run completes before a timer set beside it', async () => {
    const { finishedWhenTimerFired } = await raceTimer(0);
    expect(finishedWhenTimerFired).toBe(true);
  });
});
