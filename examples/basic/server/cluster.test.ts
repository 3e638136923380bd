import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSse } from '@galaxyflow/engine';
import { type LLMStub, type StubRequest, startLLMStub } from '@galaxyflow/engine/testing';
import {
  type RedisServer,
  startRedisServer,
  startTestPostgres,
  type TestPostgres,
} from '@galaxyflow/server-adapter/testing/servers';
import { build } from 'esbuild';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverBuild } from '../build-server.mjs';

/**
 * The reference app in cluster mode, as real processes: 2 API instances and 2 workers on one
 * PostgreSQL and one Redis, with workers killed by SIGKILL while runs are in flight.
 */
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
// Inside the app's node_modules, so the bundle finds the app's packages as dist-server/ does.
const SERVER = join(APP_DIR, 'node_modules/.cache/galaxyflow-cluster-test/main.mjs');
const GEMINI_KEY = 'cluster-test-gemini-key';
const USERS = ['alice', 'bob', 'carol', 'dave'] as const;
type User = (typeof USERS)[number];
const tokens = Object.fromEntries(
  USERS.map((user) => [user, randomBytes(16).toString('hex')]),
) as Record<User, string>;
// Short, so runs of a killed worker are taken over soon; long enough that a loaded machine's
// pauses do not let a live worker's hold lapse.
const LEASE_MS = 6_000;

interface Instance {
  role: 'api' | 'worker';
  base: string;
  child: ChildProcess;
  output: () => string;
}

let postgres: TestPostgres;
let redis: RedisServer;
let llm: LLMStub;
let databaseUrl: string;
let dataDir: string;
let db: pg.Client;

beforeAll(async () => {
  // The server as `npm start` ships it (see build-server.mjs), built here from this checkout's
  // sources into a folder of its own, so it starts in a fraction of a second when a test
  // restarts a killed worker.
  await build({ ...serverBuild, entryPoints: [join(APP_DIR, 'server/main.ts')], outfile: SERVER });
  [postgres, redis, llm] = await Promise.all([
    startTestPostgres(),
    startRedisServer(),
    // Long enough that a worker killed at any moment is likely to be in the middle of a call.
    startLLMStub({ apiKey: GEMINI_KEY, latencyMs: 250, chunkDelayMs: 40 }),
  ]);
  databaseUrl = await postgres.createDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'galaxyflow-cluster-'));
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
}, 120_000);

afterAll(async () => {
  await db?.end();
  await Promise.all([postgres?.destroy(), redis?.close(), llm?.close()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Starts one process of the app (the server bundle `npm start` runs) and waits for its URL. */
async function startInstance(role: 'api' | 'worker'): Promise<Instance> {
  let output = '';
  const child = spawn(process.execPath, ['--enable-source-maps', SERVER], {
    cwd: APP_DIR,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      ROLE: role,
      AUTH_TOKENS: USERS.map((user) => `${tokens[user]}=${user}`).join(','),
      GEMINI_API_KEY: GEMINI_KEY,
      GEMINI_BASE_URL: llm.url,
      WORKER_CONCURRENCY: '4',
      MAX_RUNS_PER_USER: '3',
      RUN_LEASE_MS: String(LEASE_MS),
      // Three kills can land on one run as it moves between workers: it survives them all.
      RUN_MAX_INTERRUPTIONS: '5',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${role} did not start in 60 s:\n${output}`)),
      60_000,
    );
    const check = () => {
      const found = /running at (http:\/\/\S+)/.exec(output);
      if (found?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve(found[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited with ${code} at start:\n${output}`));
    });
  });
  return { role, base, child, output: () => output };
}

async function stopInstance(instance: Instance, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (instance.child.exitCode !== null || instance.child.signalCode !== null) return;
  const exited = new Promise((resolve) => instance.child.once('exit', resolve));
  instance.child.kill(signal);
  await exited;
}

function api(
  instance: Instance,
  user: User,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  return fetch(`${instance.base}/api${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${tokens[user]}`,
      'content-type': 'application/json',
      ...init.headers,
    },
  });
}

/** Text → LLM → LLM, each prompt naming the run, so every provider call can be traced to its node. */
function twoCallGraph(tag: string) {
  return {
    nodes: [
      { id: 'text', type: 'text', data: { text: tag } },
      { id: 'first', type: 'llm', data: { provider: 'gemini', prompt: `first ${tag}: {{input}}` } },
      {
        id: 'second',
        type: 'llm',
        data: { provider: 'gemini', prompt: `second ${tag}: {{input}}` },
      },
    ],
    edges: [
      { id: 'e1', source: 'text', sourceHandle: 'text', target: 'first', targetHandle: 'prompt' },
      { id: 'e2', source: 'first', sourceHandle: 'text', target: 'second', targetHandle: 'prompt' },
    ],
  };
}

async function statusCounts(): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM runs GROUP BY status',
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

/** Reads a run's live events until run:finish: their sequence numbers and types. */
async function follow(instance: Instance, user: User, runId: string) {
  const response = await api(instance, user, `/runs/${runId}/events`, {
    headers: { accept: 'text/event-stream' },
  });
  expect(response.status).toBe(200);
  const seen: { seq: number; type: string }[] = [];
  for await (const message of readSse(response.body!)) {
    if (!message.data) continue;
    const event = JSON.parse(message.data) as { type: string };
    seen.push({ seq: Number(message.id), type: event.type });
    if (event.type === 'run:finish') break;
  }
  return seen;
}

/** A prompt's provider calls that completed (the worker read the whole answer). */
function completedCalls(requests: readonly StubRequest[]) {
  const byPrompt = new Map<string, StubRequest[]>();
  for (const request of requests) {
    if (request.abortedByClient) continue;
    byPrompt.set(request.prompt, [...(byPrompt.get(request.prompt) ?? []), request]);
  }
  return byPrompt;
}

describe('the reference app as a cluster: 2 API instances, 2 workers, PostgreSQL, Redis', () => {
  it('loses nothing when workers are killed mid-run, streams every run on the other instance, and holds limits cluster-wide', async () => {
    const apis = await Promise.all([startInstance('api'), startInstance('api')]);
    const workers = await Promise.all([startInstance('worker'), startInstance('worker')]);
    const instances = [...apis, ...workers];
    const kills: number[] = [];
    try {
      // 3 users × 40 runs, sent round-robin to both API instances.
      const submitters: User[] = ['alice', 'bob', 'carol'];
      const runs: { runId: string; user: User; via: number }[] = [];
      for (let i = 0; i < 40; i++) {
        await Promise.all(
          submitters.map(async (user, u) => {
            const via = (i + u) % 2;
            const response = await api(apis[via]!, user, '/execute', {
              method: 'POST',
              body: JSON.stringify(twoCallGraph(`${user}-${i}`)),
            });
            expect(response.status, await response.clone().text()).toBe(202);
            runs.push({ runId: ((await response.json()) as { runId: string }).runId, user, via });
          }),
        );
      }
      // Alice's first 12 runs are followed live on the instance that did not take them.
      const streams = runs
        .filter((run) => run.user === 'alice')
        .slice(0, 12)
        .map((run) => ({ run, events: follow(apis[1 - run.via]!, run.user, run.runId) }));

      // The per-user cap (MAX_RUNS_PER_USER=3) holds across both workers: sampled throughout.
      let mostRunning = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const { rows } = await db.query<{ n: string }>(
            "SELECT count(*) AS n FROM runs WHERE status = 'RUNNING' GROUP BY owner_id ORDER BY n DESC LIMIT 1",
          );
          mostRunning = Math.max(mostRunning, Number(rows[0]?.n ?? 0));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();

      // Kill a worker three times while runs are in flight, and start it again each time.
      for (let k = 0; k < 3; k++) {
        await new Promise((resolve) => setTimeout(resolve, 1_200));
        const index = k % 2;
        kills.push(Date.now());
        await stopInstance(workers[index]!, 'SIGKILL');
        workers[index] = await startInstance('worker');
      }

      const deadline = Date.now() + 120_000;
      let counts = await statusCounts();
      while ((counts.QUEUED ?? 0) + (counts.RUNNING ?? 0) > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        counts = await statusCounts();
      }
      sampling = false;
      await sampler;
      expect(mostRunning).toBeGreaterThan(1);
      expect(mostRunning).toBeLessThanOrEqual(3);
      // Every run ended SUCCESS: none lost, none left QUEUED or RUNNING.
      const failed = await db.query<{
        id: string;
        status: string;
        error: string;
        interruptions: number;
      }>("SELECT id, status, error, interruptions FROM runs WHERE status <> 'SUCCESS'");
      expect(failed.rows).toEqual([]);
      expect(counts).toEqual({ SUCCESS: runs.length });
      const resumed = await db.query<{ n: string }>(
        'SELECT count(*) AS n FROM runs WHERE interruptions > 0',
      );
      expect(Number(resumed.rows[0]!.n), 'the kills hit runs in flight').toBeGreaterThan(0);

      // No finished provider call was made twice: a node's answer that was read in full is
      // stored and reused by the worker that takes the run over. The one exception is an answer
      // read in the instant before the kill, before its worker could store it.
      const calls = completedCalls(llm.requests);
      expect(calls.size).toBe(runs.length * 2);
      for (const [prompt, requests] of calls) {
        if (requests.length === 1) continue;
        const first = requests[0]!;
        // In flight when its worker was killed, or answered in the second before, too late to store.
        const cutByAKill = kills.some(
          (at) => first.receivedAt <= at && (first.closedAt ?? at) >= at - 1_000,
        );
        const timeline = JSON.stringify({
          calls: requests.map((r) => [r.receivedAt - kills[0]!, (r.closedAt ?? 0) - kills[0]!]),
          kills: kills.map((at) => at - kills[0]!),
        });
        expect(cutByAKill, `"${prompt}" answered ${requests.length} times: ${timeline}`).toBe(true);
      }

      // Each stream, read on the other instance, is complete, in order and without repeats.
      for (const { run, events } of streams) {
        const seen = await events;
        const seqs = seen.map((event) => event.seq);
        expect(seqs, `run ${run.runId}`).toEqual([...seqs].sort((a, b) => a - b));
        expect(new Set(seqs).size).toBe(seqs.length);
        expect(seen.at(-1)?.type).toBe('run:finish');
        expect(
          seen.filter((event) => event.type === 'node:finish').map((e) => e.type),
        ).toHaveLength(3);
      }

      // 150 requests by one user, spread over both instances: the 100-a-minute limit holds for
      // the cluster, not per instance.
      const statuses: number[] = [];
      for (let i = 0; i < 150; i += 10) {
        const batch = await Promise.all(
          Array.from({ length: 10 }, (_, j) => api(apis[(i + j) % 2]!, 'dave', '/workflows')),
        );
        statuses.push(...batch.map((response) => response.status));
      }
      const allowed = statuses.filter((status) => status === 200).length;
      expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
      expect(allowed).toBeGreaterThanOrEqual(95);
      expect(allowed).toBeLessThanOrEqual(105);

      // A cancel sent to one instance stops the run on whichever worker holds it within 1 s.
      const slow = {
        nodes: [
          { id: 'text', type: 'text', data: { text: 'slow' } },
          ...Array.from({ length: 8 }, (_, i) => ({
            id: `step${i}`,
            type: 'llm',
            data: { provider: 'gemini', prompt: `slow ${i}: {{input}}` },
          })),
        ],
        edges: Array.from({ length: 8 }, (_, i) => ({
          id: `s${i}`,
          source: i === 0 ? 'text' : `step${i - 1}`,
          sourceHandle: 'text',
          target: `step${i}`,
          targetHandle: 'prompt',
        })),
      };
      const started = await api(apis[1]!, 'carol', '/execute', {
        method: 'POST',
        body: JSON.stringify(slow),
      });
      const { runId } = (await started.json()) as { runId: string };
      const deadlineRunning = Date.now() + 20_000;
      while (Date.now() < deadlineRunning) {
        const { rows } = await db.query<{ status: string }>(
          'SELECT status FROM runs WHERE id = $1',
          [runId],
        );
        if (rows[0]?.status === 'RUNNING') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await new Promise((resolve) => setTimeout(resolve, 400));
      const canceledAt = Date.now();
      const cancel = await api(apis[0]!, 'carol', `/runs/${runId}/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(202);
      let status = '';
      while (Date.now() - canceledAt < 5_000) {
        const { rows } = await db.query<{ status: string }>(
          'SELECT status FROM runs WHERE id = $1',
          [runId],
        );
        status = rows[0]!.status;
        if (status === 'CANCELED') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(status).toBe('CANCELED');
      expect(Date.now() - canceledAt).toBeLessThan(1_000);
    } catch (error) {
      for (const instance of instances.concat(workers))
        console.error(`--- ${instance.role} ${instance.base}\n${instance.output()}`);
      throw error;
    } finally {
      await Promise.all([...apis, ...workers].map((instance) => stopInstance(instance)));
    }
  }, 240_000);
});
