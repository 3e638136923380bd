import { randomUUID } from 'node:crypto';
import {
  type NodeRegistry,
  type NodeResult,
  type RunEvent,
  runWorkflow,
  toErrorInfo,
} from '@galaxyflow/engine';
import type { EnqueueInfo, RunQueue } from '../queue';
import { emptyCounts } from '../store/shared';
import type { GalaxyStore, NodeResultInput } from '../store/types';

export interface InlineQueueOptions {
  store: GalaxyStore;
  registry: NodeRegistry;
  /** Lease taken on each run, in ms. Default 60,000. */
  leaseMs?: number;
  /** Hold enqueued runs QUEUED until `resume()`. Default false. */
  paused?: boolean;
}

/** A queue for tests and demos: runs each enqueued run at once, in this process. */
export interface InlineQueue extends RunQueue {
  /** Run ids in the order they were enqueued. */
  readonly enqueued: readonly string[];
  /** Resolves when every run started so far has ended. */
  idle(): Promise<void>;
  /** Starts the runs held while paused, and every later one at once. */
  resume(): void;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

function toNodeResultInput(nodeId: string, result: NodeResult): NodeResultInput {
  return {
    nodeId,
    status: result.status,
    input: result.input ?? null,
    output: result.output ?? null,
    error: result.error ?? null,
    attempts: result.attempts,
    startedAt: iso(result.startedAt),
    finishedAt: iso(result.finishedAt),
    durationMs: result.durationMs ?? null,
    reused: result.reused ?? false,
    hash: result.hash ?? null,
    skippedBecause: result.skippedBecause ?? null,
  };
}

/**
 * Claims the run, runs it through the engine and writes each node result, log line and
 * event as it happens. Not durable: a crash loses the run (that is the job of a real queue).
 */
export function createInlineQueue(options: InlineQueueOptions): InlineQueue {
  const { store, registry } = options;
  const leaseMs = options.leaseMs ?? 60_000;
  const workerId = `inline-${randomUUID()}`;
  const enqueued: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const controllers = new Map<string, AbortController>();
  let paused = options.paused ?? false;
  const held: [string, EnqueueInfo][] = [];

  function schedule(runId: string, info: EnqueueInfo): void {
    const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => execute(runId, info))
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  }

  async function execute(runId: string, info: EnqueueInfo): Promise<void> {
    const claimed = await store.claimRun({ workerId, leaseMs, runId });
    if (!claimed) return;
    const controller = new AbortController();
    controllers.set(runId, controller);
    let writes = Promise.resolve();
    const write = (task: () => Promise<unknown>) => {
      writes = writes.then(task).then(() => undefined);
    };
    const onEvent = (event: RunEvent) => {
      write(() => store.appendRunEvents(runId, [event]));
      if (event.type === 'node:start') {
        write(() =>
          store.recordNodeResult(runId, {
            nodeId: event.nodeId,
            status: 'RUNNING',
            input: null,
            output: null,
            error: null,
            attempts: event.attempt,
            startedAt: iso(event.at),
            finishedAt: null,
            durationMs: null,
            reused: false,
            hash: null,
            skippedBecause: null,
          }),
        );
      } else if (event.type === 'node:finish') {
        write(() => store.recordNodeResult(runId, toNodeResultInput(event.nodeId, event.result)));
      } else if (event.type === 'log') {
        const { entry } = event;
        write(() =>
          store.appendLogs(runId, [
            {
              nodeId: entry.nodeId ?? null,
              level: entry.level,
              message: entry.message,
              metadata: entry.data ?? null,
              at: entry.at,
            },
          ]),
        );
      }
    };
    try {
      const reuse = claimed.run.reuseRunId
        ? await store.getRunDetail(info.userId, claimed.run.reuseRunId)
        : undefined;
      const result = await runWorkflow(
        {
          nodes: claimed.graph.nodes,
          edges: claimed.graph.edges,
          ...(claimed.graph.settings ? { settings: claimed.graph.settings } : {}),
        },
        {
          registry,
          runId,
          signal: controller.signal,
          onEvent,
          ...(claimed.run.targetNodeIds ? { targetNodeIds: claimed.run.targetNodeIds } : {}),
          ...(reuse
            ? {
                reuse: {
                  nodes: Object.fromEntries(
                    reuse.nodeResults
                      .filter((r) => r.status === 'SUCCESS')
                      .map((r) => [
                        r.nodeId,
                        {
                          status: 'SUCCESS' as const,
                          attempts: r.attempts,
                          ...(r.output ? { output: r.output } : {}),
                          ...(r.hash ? { hash: r.hash } : {}),
                        },
                      ]),
                  ),
                },
              }
            : {}),
        },
      );
      await writes;
      const counts = emptyCounts();
      for (const node of Object.values(result.nodes)) {
        counts.total += 1;
        if (node.status === 'SUCCESS') counts.success += 1;
        else if (node.status === 'FAILED') counts.failed += 1;
        else if (node.status === 'SKIPPED') counts.skipped += 1;
        else counts.canceled += 1;
      }
      await store.finishRun(runId, workerId, {
        status: result.status,
        error: result.error ?? null,
        counts,
        durationMs: result.durationMs,
      });
    } catch (error) {
      await writes;
      await store.finishRun(runId, workerId, {
        status: 'FAILED',
        error: toErrorInfo(error),
        counts: emptyCounts(),
        durationMs: 0,
      });
    } finally {
      controllers.delete(runId);
    }
  }

  return {
    enqueued,
    async enqueue(runId, info) {
      enqueued.push(runId);
      if (paused) held.push([runId, info]);
      else schedule(runId, info);
      return { externalId: `inline:${runId}` };
    },
    async cancel(runId) {
      controllers.get(runId)?.abort();
    },
    async start() {},
    async stop() {
      await Promise.allSettled([...inFlight]);
    },
    resume() {
      paused = false;
      for (const [runId, info] of held.splice(0)) schedule(runId, info);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
