import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../run';
import type { FailureMode } from '../schema';
import type { RunEvent } from '../types';
import { createTrace, steps, testRegistry } from './kit';

interface RandomDag {
  ids: string[];
  links: [number, number][];
  data: Record<string, { ms: number; fail: boolean; failTimes: number; retryable: boolean }>;
}

/** A random DAG: edges only go from a lower to a higher index, so there is never a cycle. */
const dagArbitrary = fc
  .integer({ min: 1, max: 30 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      // Raw pairs, oriented low -> high afterwards (a filter could never be met with one node).
      pairs: fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), { maxLength: n * 2 }),
      nodes: fc.array(
        fc.record({
          ms: fc.integer({ min: 0, max: 3 }),
          fail: fc.integer({ min: 0, max: 9 }).map((k) => k < 2),
          failTimes: fc.integer({ min: 0, max: 1 }),
          retryable: fc.boolean(),
        }),
        { minLength: n, maxLength: n },
      ),
    }),
  )
  .map(({ n, pairs, nodes }): RandomDag => {
    const seen = new Set<string>();
    const links: [number, number][] = [];
    for (const [x, y] of pairs) {
      const a = Math.min(x, y);
      const b = Math.max(x, y);
      if (a === b || seen.has(`${a}-${b}`)) continue;
      seen.add(`${a}-${b}`);
      links.push([a, b]);
    }
    const ids = Array.from({ length: n }, (_, i) => `n${String(i).padStart(2, '0')}`);
    return { ids, links, data: Object.fromEntries(ids.map((id, i) => [id, nodes[i]!])) };
  });

function toWorkflow(dag: RandomDag) {
  return steps(
    dag.ids,
    dag.links.map(([a, b]) => `${dag.ids[a]}>${dag.ids[b]}`),
    dag.data,
  );
}

function descendants(dag: RandomDag, roots: Set<string>): Set<string> {
  const out = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const id = queue.shift()!;
    const i = dag.ids.indexOf(id);
    for (const [a, b] of dag.links) {
      if (a === i && !out.has(dag.ids[b]!)) {
        out.add(dag.ids[b]!);
        queue.push(dag.ids[b]!);
      }
    }
  }
  return out;
}

const runOptions = (mode: FailureMode, concurrency: number, events: RunEvent[], trace = createTrace()) => ({
  registry: testRegistry,
  failureMode: mode,
  concurrency,
  retry: { maxAttempts: 2, backoffMs: 1, jitter: false },
  context: { trace },
  onEvent: (e: RunEvent) => events.push(e),
});

describe('scheduler properties over random DAGs', () => {
  it('every node ends in exactly one terminal state, and no node starts before its sources finished', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, fc.constantFrom<FailureMode>('fail_fast', 'fail_safe'), fc.integer({ min: 1, max: 6 }), async (dag, mode, concurrency) => {
        const events: RunEvent[] = [];
        const trace = createTrace();
        const result = await runWorkflow(toWorkflow(dag), runOptions(mode, concurrency, events, trace));

        expect(Object.keys(result.nodes).sort()).toEqual(dag.ids);
        const finishes = events.filter((e) => e.type === 'node:finish');
        expect(finishes.map((e) => e.nodeId).sort()).toEqual(dag.ids);
        for (const r of Object.values(result.nodes)) expect(['SUCCESS', 'FAILED', 'SKIPPED', 'CANCELED']).toContain(r.status);

        const finished = new Set<string>();
        for (const e of events) {
          if (e.type === 'node:finish') finished.add(e.nodeId);
          if (e.type === 'node:start') {
            const i = dag.ids.indexOf(e.nodeId);
            for (const [a, b] of dag.links) if (b === i) expect(finished.has(dag.ids[a]!)).toBe(true);
          }
        }
        expect(trace.maxRunning).toBeLessThanOrEqual(concurrency);
      }),
      { numRuns: 80 },
    );
  });

  it('in-flight nodes never exceed the concurrency limit', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, fc.integer({ min: 1, max: 4 }), async (dag, concurrency) => {
        const events: RunEvent[] = [];
        await runWorkflow(toWorkflow(dag), runOptions('fail_safe', concurrency, events));
        let inFlight = 0;
        let peak = 0;
        for (const e of events) {
          if (e.type === 'node:start') inFlight++;
          if (e.type === 'node:retry') inFlight--;
          if (e.type === 'node:finish' && e.result.attempts > 0) inFlight--;
          peak = Math.max(peak, inFlight);
        }
        expect(inFlight).toBe(0);
        expect(peak).toBeLessThanOrEqual(concurrency);
      }),
      { numRuns: 60 },
    );
  });

  it('fail_safe skips exactly the descendants of failed nodes; fail_fast starts nothing after a failure', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, async (dag) => {
        const safeEvents: RunEvent[] = [];
        const safe = await runWorkflow(toWorkflow(dag), runOptions('fail_safe', 3, safeEvents));
        const failed = new Set(Object.entries(safe.nodes).filter(([, r]) => r.status === 'FAILED').map(([id]) => id));
        const skipped = new Set(Object.entries(safe.nodes).filter(([, r]) => r.status === 'SKIPPED').map(([id]) => id));
        expect([...skipped].sort()).toEqual([...descendants(dag, failed)].sort());
        expect(Object.values(safe.nodes).some((r) => r.status === 'CANCELED')).toBe(false);
        expect(safe.status).toBe(failed.size === 0 ? 'SUCCESS' : Object.values(safe.nodes).some((r) => r.status === 'SUCCESS') ? 'PARTIAL' : 'FAILED');

        const fastEvents: RunEvent[] = [];
        const fast = await runWorkflow(toWorkflow(dag), runOptions('fail_fast', 3, fastEvents));
        const firstFailure = fastEvents.findIndex((e) => e.type === 'node:finish' && e.result.status === 'FAILED');
        if (firstFailure >= 0) {
          expect(fastEvents.slice(firstFailure).some((e) => e.type === 'node:start')).toBe(false);
          expect(fast.status).toBe('FAILED');
          expect(Object.values(fast.nodes).some((r) => r.status === 'SKIPPED')).toBe(false);
        } else {
          expect(fast.status).toBe('SUCCESS');
        }
      }),
      { numRuns: 60 },
    );
  });

  it('the same graph and outputs give the same start order and the same results', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, async (dag) => {
        const quiet = { ...dag, data: Object.fromEntries(dag.ids.map((id) => [id, { ms: 0, fail: false, failTimes: 0, retryable: false }])) };
        const a = createTrace();
        const b = createTrace();
        const first = await runWorkflow(toWorkflow(quiet), runOptions('fail_fast', 2, [], a));
        const second = await runWorkflow(toWorkflow(quiet), runOptions('fail_fast', 2, [], b));
        expect(b.starts).toEqual(a.starts);
        const outputs = (r: typeof first) => Object.fromEntries(Object.entries(r.nodes).map(([id, n]) => [id, n.output]));
        expect(outputs(second)).toEqual(outputs(first));
      }),
      { numRuns: 40 },
    );
  });
});
