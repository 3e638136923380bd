/**
 * Engine benchmarks. Run with `pnpm --filter @galaxyflow/engine bench:engine` (not part of the tests).
 *
 * 1. Each graph in a clean child process (`floor.process.ts`) holding only the engine and the
 *    floor: a ~30-line Kahn scheduler awaiting an async no-op per node with the same
 *    concurrency (8). Rounds interleave the two, each sample is CPU time after a minor GC, and
 *    the engine runs a workflow `validateWorkflow` already accepted (the validation is timed
 *    apart). Printed: CPU-µs per node, the ratio to the floor, ok/MISSED against the target.
 *    Targets: ≤ 3× the floor on the 10k and 100k DAGs, ≤ 5× on the 1,000-node chain.
 * 2. `validateWorkflow` alone on the 100k DAG, in its own process: ≤ 300 ms CPU (median).
 * 3. Makespan of 32 parallel branches × 3 steps of 50 ms at concurrency 32: ≤ 1.10 × 150 ms.
 * 4. Tracing: the 10k DAG traced by an OpenTelemetry SDK (in-memory exporter, a span per run
 *    and per node) vs the same run on the no-op API: overhead ≤ 15 %.
 * `BENCH_ONLY=otel` runs section 4 alone.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
// The built package, as a host gets it (run `pnpm build` first; the bench script does).
import { createRegistry, defineNode, runWorkflow, type WorkflowInput } from '@galaxyflow/engine';

const sleep = defineNode({
  type: 'sleep',
  label: 'Sleep',
  category: 'Bench',
  inputs: { in: { type: 'any', multiple: true } },
  outputs: { out: { type: 'any' } },
  data: z.object({ ms: z.number() }),
  run: ({ data, signal }) =>
    new Promise<{ out: number }>((resolve, reject) => {
      const timer = setTimeout(() => resolve({ out: 1 }), data.ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    }),
});
const registry = createRegistry([sleep]);

const child = fileURLToPath(new URL('./floor.process.ts', import.meta.url));

/** Runs one graph in a fresh process and returns what it printed. */
function inChild<T>(args: string[]): T {
  // tsx's loader is passed on; the child's engine resolves as this process's does.
  const out = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', child, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (out.status !== 0) throw new Error(`bench child ${args.join(' ')} failed:\n${out.stderr}`);
  const line = out.stdout.trim().split('\n').at(-1)!;
  return JSON.parse(line) as T;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(9);
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function medianWall(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await time(fn));
  return median(times);
}

interface RunSamples {
  graph: string;
  nodes: number;
  engine: number[];
  floor: number[];
}

async function main() {
  console.log(`engine bench — node ${process.version}, ${new Date().toISOString()}`);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
  if (process.env.BENCH_ONLY === 'otel') {
    otelSection(rounds);
    return;
  }
  console.log(
    `\n1. run of an already validated workflow vs the floor, no-op async nodes, concurrency 8`,
  );
  console.log(
    `   (each graph in a clean process, ${rounds} interleaved rounds, median CPU time after a minor GC)`,
  );
  console.log(
    '   graph                      engine CPU-µs/node  floor CPU-µs/node   ratio  target',
  );
  const cases = [
    { graph: 'dag10k', label: '10k DAG, 30k edges', target: 3 },
    { graph: 'chain1k', label: '1,000-node chain', target: 5 },
    { graph: 'dag100k', label: '100k DAG, 300k edges', target: 3 },
  ];
  for (const c of cases) {
    const r = inChild<RunSamples>([
      'run',
      c.graph,
      String(c.graph === 'dag100k' ? Math.max(3, rounds >> 1) : rounds),
    ]);
    // Ratio of medians, and the spread of the per-round ratios beside it.
    const engineUs = (median(r.engine) * 1000) / r.nodes;
    const floorUs = (median(r.floor) * 1000) / r.nodes;
    const ratios = r.engine.map((e, k) => e / r.floor[k]!).sort((a, b) => a - b);
    const ratio = engineUs / floorUs;
    console.log(
      `   ${c.label.padEnd(24)} ${fmt(engineUs, 2)}          ${fmt(floorUs, 2)}      ${fmt(ratio, 2)}× ≤ ${c.target}×  ${verdict(ratio <= c.target)}   (rounds ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}×)`,
    );
  }

  console.log('\n2. validateWorkflow alone, 100k DAG, 300k edges (clean process, median CPU time)');
  const v = inChild<{ validate: number[] }>([
    'validate',
    'dag100k',
    String(Math.max(3, rounds >> 1)),
  ]);
  const validateMs = median(v.validate);
  console.log(
    `   ${fmt(validateMs)} ms CPU (samples ${v.validate.map((x) => x.toFixed(0)).join(', ')}; target ≤ 300 ms): ${verdict(validateMs <= 300)}`,
  );

  console.log('\n3. makespan, 32 branches × 3 steps of 50 ms, concurrency 32 (median of 5)');
  const nodes: WorkflowInput['nodes'] = [];
  const edges: WorkflowInput['edges'] = [];
  for (let b = 0; b < 32; b++) {
    for (let s = 0; s < 3; s++) {
      nodes.push({ id: `b${b}s${s}`, type: 'sleep', data: { ms: 50 } });
      if (s > 0)
        edges.push({
          id: `b${b}e${s}`,
          source: `b${b}s${s - 1}`,
          sourceHandle: 'out',
          target: `b${b}s${s}`,
          targetHandle: 'in',
        });
    }
  }
  await runWorkflow({ nodes, edges }, { registry, concurrency: 32 });
  const makespan = await medianWall(5, () =>
    runWorkflow({ nodes, edges }, { registry, concurrency: 32 }),
  );
  console.log(
    `   makespan ${makespan.toFixed(1)} ms = ${(makespan / 150).toFixed(3)} × the 150 ms critical path (target ≤ 1.10): ${verdict(makespan / 150 <= 1.1)}`,
  );
  otelSection(rounds);
}

function otelSection(rounds: number): void {
  console.log('\n4. tracing overhead, 10k DAG: OpenTelemetry SDK + in-memory exporter vs the no-op API');
  console.log(`   (clean process, ${rounds} interleaved rounds, median CPU time after a minor GC)`);
  const r = inChild<{ nodes: number; spans: number; noop: number[]; traced: number[]; sdk: number[] }>(['otel', 'dag10k', String(rounds)]);
  const noopMs = median(r.noop);
  const tracedMs = median(r.traced);
  const sdkMs = median(r.sdk);
  const overhead = tracedMs / noopMs - 1;
  const ratios = r.traced.map((t, k) => t / r.noop[k]!).sort((a, b) => a - b);
  console.log(
    `   no-op API ${fmt(noopMs)} ms   traced ${fmt(tracedMs)} ms (${r.spans} spans)   ratio ${(tracedMs / noopMs).toFixed(2)}× = +${(overhead * 100).toFixed(1)} % (target ≤ 15 %): ${verdict(overhead <= 0.15)}   (rounds ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}×)`,
  );
  // Where the overhead goes: the SDK making the same spans with no engine around them, and the rest.
  const perNode = (ms: number) => ((ms * 1000) / r.nodes).toFixed(2);
  const engineShare = tracedMs - noopMs - sdkMs;
  console.log(
    `   of which the SDK alone (the same ${r.spans} spans in a loop) ${fmt(sdkMs)} ms = ${perNode(sdkMs)} µs/span, ${(sdkMs / noopMs).toFixed(2)}× the untraced run; the engine's own tracing ${fmt(engineShare)} ms = ${perNode(engineShare)} µs/node`,
  );
}

await main();
