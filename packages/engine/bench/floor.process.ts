/**
 * One graph of the engine bench, in a process of its own that holds only the engine and the
 * floor: a heap shared with other benches slows both sides and hides the gap between them.
 * Spawned by `engine.bench.ts` with `--expose-gc`; prints one JSON line of CPU-time samples.
 *
 *   floor.process.ts run <dag10k|chain1k|dag100k> <rounds>
 *   floor.process.ts validate <dag100k> <rounds>
 *   floor.process.ts otel <dag10k> <rounds>   (the engine traced by an OpenTelemetry SDK vs the no-op API)
 */
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { z } from 'zod';
// The built package, as a host gets it (the bench script builds it first).
import {
  createRegistry,
  defineNode,
  runWorkflow,
  validateWorkflow,
  type WorkflowInput,
} from '@galaxyflow/engine';

const gc = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
if (!gc) throw new Error('Run with --expose-gc: each sample starts after a minor GC.');

/** The node every bench graph is made of: an async no-op, the same work the floor does per node. */
const noop = defineNode({
  type: 'noop',
  label: 'No-op',
  category: 'Bench',
  inputs: { in: { type: 'any', multiple: true } },
  outputs: { out: { type: 'any' } },
  data: z.object({}),
  run: async () => ({ out: 1 }),
});
const registry = createRegistry([noop]);
const CONCURRENCY = 8;

/** Deterministic PRNG (mulberry32) so every run measures the same graph. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random DAG: each edge joins a lower to a higher index, no pair twice; edges lean local so depth is realistic. */
function randomDag(nodes: number, edges: number, seed = 42): WorkflowInput {
  const random = rng(seed);
  const seen = new Set<number>();
  const list: WorkflowInput['edges'] = [];
  while (list.length < edges) {
    const a = Math.floor(random() * (nodes - 1));
    const span = 1 + Math.floor(random() * Math.min(200, nodes - a - 1));
    const b = a + span;
    const key = a * nodes + b;
    if (seen.has(key)) continue;
    seen.add(key);
    list.push({
      id: `e${list.length}`,
      source: `n${a}`,
      sourceHandle: 'out',
      target: `n${b}`,
      targetHandle: 'in',
    });
  }
  return {
    nodes: Array.from({ length: nodes }, (_, i) => ({ id: `n${i}`, type: 'noop', data: {} })),
    edges: list,
  };
}

function chain(nodes: number): WorkflowInput {
  return {
    nodes: Array.from({ length: nodes }, (_, i) => ({ id: `n${i}`, type: 'noop', data: {} })),
    edges: Array.from({ length: nodes - 1 }, (_, i) => ({
      id: `e${i}`,
      source: `n${i}`,
      sourceHandle: 'out',
      target: `n${i + 1}`,
      targetHandle: 'in',
    })),
  };
}

/** The floor: Kahn's algorithm awaiting an async no-op per node with the same concurrency, nothing else. */
async function floor(workflow: WorkflowInput, concurrency: number): Promise<number> {
  const index = new Map<string, number>();
  for (let i = 0; i < workflow.nodes.length; i++) index.set(workflow.nodes[i]!.id, i);
  const n = workflow.nodes.length;
  const out: number[][] = Array.from({ length: n }, () => []);
  const indegree = new Int32Array(n);
  for (const e of workflow.edges) {
    const t = index.get(e.target)!;
    out[index.get(e.source)!]!.push(t);
    indegree[t]!++;
  }
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (indegree[i] === 0) ready.push(i);
  const work = async (_i: number) => ({ out: 1 });
  let done = 0;
  let running = 0;
  return new Promise((resolve) => {
    const pump = () => {
      while (running < concurrency && ready.length > 0) {
        const i = ready.pop()!;
        running++;
        work(i).then(() => {
          running--;
          done++;
          for (const v of out[i]!) if (--indegree[v]! === 0) ready.push(v);
          if (done === n) resolve(done);
          else pump();
        });
      }
    };
    pump();
  });
}

/** CPU time (user + system) of `fn` in ms, after a minor GC so no sample pays for another's garbage. */
async function cpu(fn: () => unknown): Promise<number> {
  gc!({ type: 'minor' });
  const start = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const graphs: Record<string, () => { workflow: WorkflowInput; repeat: number }> = {
  // `repeat` runs make one sample: a 1,000-node chain runs in about a millisecond, below what
  // process.cpuUsage resolves steadily. A hundred, not the twenty it was: each sample starts
  // after a minor GC, and twenty runs' garbage was mostly collected by the next sample's GC,
  // outside any timing, which left most of the engine's collection cost unmeasured.
  dag10k: () => ({ workflow: randomDag(10_000, 30_000), repeat: 1 }),
  chain1k: () => ({ workflow: chain(1000), repeat: 100 }),
  dag100k: () => ({ workflow: randomDag(100_000, 300_000), repeat: 1 }),
};

async function main() {
  const [mode, graphName = 'dag10k', roundsArg = '9'] = process.argv.slice(2);
  const make = graphs[graphName];
  if (!make) throw new Error(`Unknown graph "${graphName}".`);
  const rounds = Number(roundsArg);
  const { workflow, repeat } = make();
  const limits = {
    maxNodes: workflow.nodes.length,
    maxEdges: workflow.edges.length,
    maxBytes: 512 * 1024 * 1024,
  };
  if (mode === 'validate') {
    const samples: number[] = [];
    for (let r = 0; r < rounds + 2; r++) {
      const ms = await cpu(() => {
        const result = validateWorkflow(workflow, registry, { limits });
        if (!result.ok) throw new Error(`bench graph invalid: ${result.issues[0]?.message}`);
      });
      if (r >= 2) samples.push(ms);
    }
    console.log(
      JSON.stringify({ graph: graphName, nodes: workflow.nodes.length, validate: samples }),
    );
    return;
  }
  const validation = validateWorkflow(workflow, registry, { limits });
  if (!validation.ok) throw new Error(`bench graph invalid: ${validation.issues[0]?.message}`);
  const validated = validation.workflow;
  if (mode === 'otel') {
    // No SDK registered globally: the untraced side is what a host without one runs. The traced
    // side hands the engine a tracer of an SDK exporting every span to memory through the batch
    // processor production setups use, its queue large enough that no span is dropped.
    const exporter = new InMemorySpanExporter();
    const processor = new BatchSpanProcessor(exporter, { maxQueueSize: 100_000, maxExportBatchSize: 1024, scheduledDelayMillis: 1 });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer('bench');
    const run = (traced: boolean) => async () => {
      const result = await runWorkflow(validated, {
        registry,
        concurrency: CONCURRENCY,
        limits,
        retry: { maxAttempts: 1 },
        ...(traced ? { trace: { tracer } } : {}),
      });
      if (result.status !== 'SUCCESS') throw new Error(`bench run ended ${result.status}`);
    };
    // What the SDK costs on its own: the same spans (one run span, one child per node with the
    // engine's attributes) started and ended in a loop, no engine around them.
    const sdkOnly = () => {
      const runSpan = tracer.startSpan('galaxyflow.run', { kind: SpanKind.INTERNAL, attributes: { 'galaxyflow.run.id': 'r_bench', 'galaxyflow.run.resumed': false } }, ROOT_CONTEXT);
      const parent = trace.setSpan(ROOT_CONTEXT, runSpan);
      for (const node of workflow.nodes) {
        const span = tracer.startSpan(
          'galaxyflow.node',
          {
            kind: SpanKind.INTERNAL,
            attributes: { 'galaxyflow.run.id': 'r_bench', 'galaxyflow.node.id': node.id, 'galaxyflow.node.type': node.type, 'galaxyflow.node.attempt': 1 },
          },
          parent,
        );
        span.end();
      }
      runSpan.setAttribute('galaxyflow.run.status', 'SUCCESS');
      runSpan.end();
    };
    const noopMs: number[] = [];
    const tracedMs: number[] = [];
    const sdkMs: number[] = [];
    let spans = 0;
    for (let r = 0; r < rounds + 3; r++) {
      let n: number;
      let t: number;
      if (r % 2 === 0) {
        n = await cpu(run(false));
        t = await cpu(run(true));
      } else {
        t = await cpu(run(true));
        n = await cpu(run(false));
      }
      await processor.forceFlush();
      spans = exporter.getFinishedSpans().length;
      exporter.reset();
      const s = await cpu(sdkOnly);
      await processor.forceFlush();
      exporter.reset();
      if (r < 3) continue;
      noopMs.push(n);
      tracedMs.push(t);
      sdkMs.push(s);
    }
    console.log(JSON.stringify({ graph: graphName, nodes: workflow.nodes.length, spans, noop: noopMs, traced: tracedMs, sdk: sdkMs }));
    return;
  }
  const engine = async () => {
    for (let k = 0; k < repeat; k++) {
      const result = await runWorkflow(validated, {
        registry,
        concurrency: CONCURRENCY,
        limits,
        retry: { maxAttempts: 1 },
      });
      if (result.status !== 'SUCCESS') throw new Error(`bench run ended ${result.status}`);
    }
  };
  const bare = async () => {
    for (let k = 0; k < repeat; k++) await floor(workflow, CONCURRENCY);
  };
  // Warm-up rounds tier both up before anything is kept; then the two alternate, and which
  // goes first alternates too, so a slow stretch of the machine lands on both.
  const engineMs: number[] = [];
  const floorMs: number[] = [];
  for (let r = 0; r < rounds + 3; r++) {
    let f: number;
    let e: number;
    if (r % 2 === 0) {
      f = await cpu(bare);
      e = await cpu(engine);
    } else {
      e = await cpu(engine);
      f = await cpu(bare);
    }
    if (r < 3) continue;
    floorMs.push(f);
    engineMs.push(e);
  }
  console.log(
    JSON.stringify({
      graph: graphName,
      nodes: workflow.nodes.length * repeat,
      engine: engineMs,
      floor: floorMs,
    }),
  );
}

await main();
