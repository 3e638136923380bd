/**
 * 20 LLM nodes in parallel against a local stub at 200 ms latency, through the real SDKs and
 * the whole run path (scheduler, provider set, limiter, breaker, streaming), with concurrency
 * 20. The run should take about one latency: the target is a makespan of at most
 * 1.15 x 200 ms plus the fixed overhead, measured as the same run against a stub with no latency.
 *
 * Then the cost of tracing where it is meant to run: the same 20-node run against the stub with
 * no latency, traced by an OpenTelemetry SDK (in-memory exporter, batch processor: a span per
 * run, node and provider call) vs the no-op API, by this process's CPU time (the stub has its
 * own process). Target: overhead <= 15 %. The engine bench's section 4 gives the same
 * comparison on no-op nodes, where the SDK's own span cost outweighs the node.
 *
 *   pnpm --filter @galaxyflow/engine bench:llm
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { builtinNodes } from '../src/nodes/index';
import { llmContext } from '../src/providers/context';
import { createGeminiProvider } from '../src/providers/gemini';
import { createGroqProvider } from '../src/providers/groq';
import { createOpenAICompatibleProvider } from '../src/providers/openaiCompatible';
import { createProviderSet, type ProviderSet } from '../src/providers/providerSet';
import { createRegistry } from '../src/registry';
import { runWorkflow } from '../src/run';

const PARALLEL = 20;
const LATENCY_MS = 200;
const ROUNDS = 7;
const TARGET = 1.15;

// The stub runs in its own process with the same loader flags (tsx) as this one.
const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(new URL('./llmStub.process.ts', import.meta.url)), String(LATENCY_MS)], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
const urls = JSON.parse(line) as { instant: string; slow: string };

function providersAt(url: string): ProviderSet {
  return createProviderSet({
    providers: [
      createGeminiProvider({ apiKey: 'bench', baseUrl: url }),
      createGroqProvider({ apiKey: 'bench', baseUrl: url }),
      createOpenAICompatibleProvider({ baseUrl: `${url}/v1` }),
    ],
    resilience: { maxConcurrency: PARALLEL },
  });
}
const instant = providersAt(urls.instant);
const slow = providersAt(urls.slow);
// `llm` is a built-in: registering it again would throw E_DUPLICATE_NODE_TYPE.
const registry = createRegistry(builtinNodes);

function workflow(provider: string) {
  const nodes: { id: string; type: string; data: Record<string, unknown> }[] = [
    { id: 'topic', type: 'text', data: { text: 'Write one line about the sea.' } },
  ];
  const edges = [];
  for (let i = 0; i < PARALLEL; i++) {
    nodes.push({ id: `llm${i}`, type: 'llm', data: { provider, prompt: `Variant ${i}: {{input}}` } });
    edges.push({ id: `e${i}`, source: 'topic', sourceHandle: 'text', target: `llm${i}`, targetHandle: 'prompt' });
  }
  return { nodes, edges, settings: { concurrency: PARALLEL } };
}

const exporter = new InMemorySpanExporter();
// The batch processor with its default schedule, as production setups run it; each measurement
// flushes it before its clock stops.
const processor = new BatchSpanProcessor(exporter);
const tracer = new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('bench');

async function makespan(providers: ProviderSet, provider: string, traced = false): Promise<number> {
  const started = performance.now();
  const result = await runWorkflow(workflow(provider), {
    registry,
    context: llmContext({ providers }),
    ...(traced ? { trace: { tracer } } : {}),
  });
  const elapsed = performance.now() - started;
  if (result.status !== 'SUCCESS') throw new Error(`${provider}: the run ended ${result.status}: ${result.error?.message}`);
  return elapsed;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

console.log(`LLM bench: ${PARALLEL} parallel llm nodes, stub latency ${LATENCY_MS} ms, run concurrency ${PARALLEL}, provider limit ${PARALLEL}; medians of ${ROUNDS} runs`);
let met = true;
try {
  for (const provider of ['gemini', 'groq', 'openai-compatible']) {
    // Warm-up: module init, JIT, first connections.
    await makespan(instant, provider);
    await makespan(slow, provider);
    const overheads: number[] = [];
    const spans: number[] = [];
    // Interleaved, so both see the same machine load.
    for (let i = 0; i < ROUNDS; i++) {
      overheads.push(await makespan(instant, provider));
      spans.push(await makespan(slow, provider));
    }
    const overhead = median(overheads);
    const span = median(spans);
    const ratio = span / LATENCY_MS;
    const net = (span - overhead) / LATENCY_MS;
    met &&= net <= TARGET;
    console.log(
      `  ${provider.padEnd(18)} makespan ${span.toFixed(1)} ms (best ${Math.min(...spans).toFixed(1)}); ratio to ${LATENCY_MS} ms ${ratio.toFixed(3)}; overhead at 0 ms latency ${overhead.toFixed(1)} ms; ratio net of overhead ${net.toFixed(3)}`,
    );
  }
  console.log(`  target: makespan <= ${TARGET} x ${LATENCY_MS} ms + overhead -> ${met ? 'met' : 'NOT met'}`);

  // CPU time of 25 runs against the instant stub. After the window both sides flush the
  // processor (the in-memory exporter answers on a timer, which would bill the wait's event-loop
  // turns to the traced side) and let the event loop go quiet, so neither pays for the sockets
  // and timers the other left behind.
  const BATCH = 25;
  // A minor collection before each window, so each side pays for its own garbage only.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void;
  const cpuOf = async (provider: string, traced: boolean) => {
    gc({ type: 'minor' });
    const start = process.cpuUsage();
    for (let k = 0; k < BATCH; k++) await makespan(instant, provider, traced);
    const used = process.cpuUsage(start);
    await processor.forceFlush();
    await new Promise((resolve) => setTimeout(resolve, 20));
    return (used.user + used.system) / 1000 / BATCH;
  };
  const TRACE_ROUNDS = 6;
  console.log(`\nTracing overhead on model calls: the ${PARALLEL + 1}-node run against the stub with no latency, traced vs the no-op API; CPU ms per run of this process over ${TRACE_ROUNDS} interleaved batches of ${BATCH} runs a side (the garbage collector's pauses land in one batch or another, so the totals are compared, not medians)`);
  for (const provider of ['gemini', 'groq', 'openai-compatible']) {
    await cpuOf(provider, true);
    await cpuOf(provider, false);
    const plain: number[] = [];
    const traced: number[] = [];
    for (let i = 0; i < TRACE_ROUNDS; i++) {
      if (i % 2 === 0) {
        plain.push(await cpuOf(provider, false));
        traced.push(await cpuOf(provider, true));
      } else {
        traced.push(await cpuOf(provider, true));
        plain.push(await cpuOf(provider, false));
      }
    }
    const spanCount = exporter.getFinishedSpans().length / ((TRACE_ROUNDS + 1) * BATCH);
    exporter.reset();
    const overhead = sum(traced) / sum(plain) - 1;
    met &&= overhead <= 0.15;
    console.log(
      `  ${provider.padEnd(18)} no-op API ${(sum(plain) / TRACE_ROUNDS).toFixed(2)} ms   traced ${(sum(traced) / TRACE_ROUNDS).toFixed(2)} ms (${spanCount} spans a run)   ${overhead >= 0 ? '+' : '−'}${Math.abs(overhead * 100).toFixed(1)} % (target <= 15 %): ${overhead <= 0.15 ? 'ok' : 'MISSED'}`,
    );
  }
} finally {
  child.stdin!.end();
}
if (!met) process.exitCode = 1;
