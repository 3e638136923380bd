/**
 * Map node benchmark. Run with `pnpm --filter @galaxyflow/engine bench:map` (not part of the tests).
 *
 * 1. Makespan of a Map over 1,000 items at concurrency 16, each item a node that waits 20 ms:
 *    against the ideal, items × item time / 16 = 1,250 ms (target ≤ 1.10 × the ideal), and
 *    against a baseline in the same process: 1,000 plain 20 ms nodes at concurrency 16, which
 *    pay the same timer lateness (target: the Map ≤ 1.05 × the baseline).
 * 2. Per-item overhead: CPU time of a Map over 1,000 items of an async no-op node, against a
 *    plain run of 1,000 independent no-op nodes at the same concurrency (16), in the same
 *    process, interleaved rounds, median. Printed: CPU-µs per item and per plain node, the
 *    ratio, and the difference. Target: a Map item costs ≤ 15 × a plain node (each item is a
 *    run of its own: its scheduler state, events and result).
 */
import { z } from 'zod';
import {
  builtinNodes,
  createRegistry,
  defineNode,
  runWorkflow,
  type WorkflowInput,
} from '@galaxyflow/engine';

const wait = defineNode({
  type: 'wait',
  label: 'Wait',
  category: 'Bench',
  inputs: { item: { type: 'any' } },
  outputs: { out: { type: 'any' } },
  data: z.object({ ms: z.number() }),
  run: ({ data, inputs, signal }) =>
    data.ms === 0
      ? Promise.resolve({ out: inputs.item })
      : new Promise<{ out: unknown }>((resolve, reject) => {
          const timer = setTimeout(() => resolve({ out: inputs.item }), data.ms);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
        }),
});
const registry = createRegistry([...builtinNodes, wait]);
const ITEMS = 1_000;
const CONCURRENCY = 16;

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');

function mapWorkflow(ms: number): WorkflowInput {
  return {
    nodes: [
      { id: 'list', type: 'input', data: { name: 'items' } },
      {
        id: 'map',
        type: 'map',
        data: { nodeType: 'wait', nodeData: { ms }, concurrency: CONCURRENCY },
      },
    ],
    edges: [
      { id: 'e', source: 'list', sourceHandle: 'value', target: 'map', targetHandle: 'items' },
    ],
  };
}
const items = Array.from({ length: ITEMS }, (_, i) => i);
const plain: WorkflowInput = {
  nodes: items.map((i) => ({ id: `n${i}`, type: 'wait', data: { ms: 0 } })),
  edges: [],
};
const options = {
  registry,
  concurrency: CONCURRENCY,
  caps: { mapItems: ITEMS, mapConcurrency: CONCURRENCY },
  inputs: { items },
};

async function cpuMs(fn: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function main() {
  console.log(`map bench — node ${process.version}, ${new Date().toISOString()}`);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 9);

  console.log(
    `\n1. makespan, Map over ${ITEMS} items of 20 ms at concurrency ${CONCURRENCY} (median of 5)`,
  );
  const ideal = (ITEMS * 20) / CONCURRENCY;
  const slow = mapWorkflow(20);
  const check = await runWorkflow(slow, options);
  if (
    check.status !== 'SUCCESS' ||
    (check.nodes.map!.output!.results as number[])[ITEMS - 1] !== ITEMS - 1
  )
    throw new Error(`the map did not run: ${JSON.stringify(check.error)}`);
  const slowPlain: WorkflowInput = {
    nodes: items.map((i) => ({ id: `n${i}`, type: 'wait', data: { ms: 20 } })),
    edges: [],
  };
  await runWorkflow(slowPlain, options);
  const spans: number[] = [];
  const plainSpans: number[] = [];
  for (let r = 0; r < 5; r++) {
    let start = performance.now();
    await runWorkflow(slow, options);
    spans.push(performance.now() - start);
    start = performance.now();
    await runWorkflow(slowPlain, options);
    plainSpans.push(performance.now() - start);
  }
  const makespan = median(spans);
  const plainSpan = median(plainSpans);
  console.log(
    `   Map makespan ${makespan.toFixed(1)} ms = ${(makespan / ideal).toFixed(3)} × the ideal ${ideal} ms (target ≤ 1.10): ${verdict(makespan / ideal <= 1.1)}`,
  );
  console.log(
    `   baseline, ${ITEMS} plain 20 ms nodes at concurrency ${CONCURRENCY}: ${plainSpan.toFixed(1)} ms = ${(plainSpan / ideal).toFixed(3)} × the ideal; Map / baseline ${(makespan / plainSpan).toFixed(3)}× (target ≤ 1.05): ${verdict(makespan / plainSpan <= 1.05)}`,
  );

  console.log(
    `\n2. per-item overhead, ${ITEMS} async no-op items vs ${ITEMS} plain no-op nodes, concurrency ${CONCURRENCY}`,
  );
  console.log(`   (same process, ${rounds} interleaved rounds after 3 warm-ups, median CPU time)`);
  const fast = mapWorkflow(0);
  for (let w = 0; w < 3; w++) {
    await runWorkflow(fast, options);
    await runWorkflow(plain, options);
  }
  const mapMs: number[] = [];
  const plainMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    mapMs.push(await cpuMs(() => runWorkflow(fast, options)));
    plainMs.push(await cpuMs(() => runWorkflow(plain, options)));
  }
  const perItem = (median(mapMs) * 1000) / ITEMS;
  const perNode = (median(plainMs) * 1000) / ITEMS;
  const ratio = perItem / perNode;
  console.log(
    `   Map item ${perItem.toFixed(2)} CPU-µs   plain node ${perNode.toFixed(2)} CPU-µs   ratio ${ratio.toFixed(2)}× (target ≤ 15×): ${verdict(ratio <= 15)}`,
  );
  console.log(
    `   overhead of running a node as a Map item: ${(perItem - perNode).toFixed(2)} CPU-µs per item`,
  );
}

await main();
