import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createGalaxyClient } from '../client/index';
import { createSqliteStore } from '../store/sqlite/index';
import type { RunEvent } from '@galaxyflow/engine';
import { eventShape, referenceEvents } from './fixtures/eventParity';
import { stepGraph } from './fixtures/scriptedNodes';
import { type Child, removeChildBundle, spawnChild } from './fixtures/spawnChild';
import { waitFor } from './fixtures/wait';

/**
 * Real processes on a real SQLite file: a server runs a slow workflow, is killed with
 * SIGKILL mid-run, and a new server on the same file must finish the run without repeating
 * the nodes that had finished.
 */

const dir = mkdtempSync(join(tmpdir(), 'galaxy-crash-'));
afterAll(async () => {
  await removeChildBundle();
  rmSync(dir, { recursive: true, force: true });
});
const TOKEN = 'crash-token-0123456789';
const USER = 'user-crash';
const NODES = ['a', 'b', 'c', 'd'];
const LEASE_MS = 1000;

function journalOf(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

function lines(journal: string[], verb: string, nodeId: string): string[] {
  return journal.filter((line) => line.startsWith(`${verb} ${nodeId} `));
}

function succeeded(dbPath: string, runId: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (
      db
        .prepare("SELECT COUNT(*) AS n FROM node_results WHERE run_id = ? AND status = 'SUCCESS'")
        .get(runId) as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

describe.concurrent('a server killed mid-run', () => {
  // Kill while the first node runs, in the middle, and while the last node runs.
  for (const killAt of [0, 2, 3]) {
    it(`resumes after SIGKILL during node "${NODES[killAt]}": SUCCESS, finished nodes ran once`, async () => {
      const dbPath = join(dir, `kill-${killAt}.db`);
      const journal = join(dir, `kill-${killAt}.journal`);
      const config = {
        dbPath,
        journal,
        leaseMs: LEASE_MS,
        heartbeatMs: 200,
        tokens: { [TOKEN]: USER },
      };
      const children: Child[] = [];
      try {
        const first = await spawnChild('server', { ...config, name: 'first' });
        children.push(first);
        const client = (port: number | undefined) =>
          createGalaxyClient({
            baseUrl: `http://127.0.0.1:${port}/api`,
            headers: { authorization: `Bearer ${TOKEN}` },
          });
        // The node in flight at the kill is slow, so the kill lands inside it.
        const graph = stepGraph(
          NODES.map((id, i) => ({
            id,
            ms: i === killAt ? 800 : 100,
            deltas: 2,
            ...(i > 0 ? { after: NODES[i - 1] } : {}),
          })),
        );
        const { runId } = await client(first.port).execute(graph);
        const victim = NODES[killAt]!;
        await waitFor(
          () =>
            lines(journalOf(journal), 'start', victim).length === 1 &&
            succeeded(dbPath, runId) === killAt,
          `node ${victim} to start`,
          15_000,
        );
        await first.kill('SIGKILL');
        const orphan = await (async () => {
          const store = createSqliteStore({ path: dbPath });
          try {
            return await store.getRun(USER, runId);
          } finally {
            await store.close();
          }
        })();
        expect(orphan?.status, 'the killed worker left the run RUNNING').toBe('RUNNING');

        const second = await spawnChild('server', { ...config, name: 'second' });
        children.push(second);
        const events: { seq: number; type: string }[] = [];
        const streamed: RunEvent[] = [];
        let seq = 0;
        await new Promise<void>((resolve) => {
          const onEvent = (event: RunEvent) => {
            events.push({ seq, type: event.type });
            streamed.push(event);
          };
          client(second.port).subscribe(runId, onEvent, {
            onEventId: (id) => {
              seq = id;
            },
            onStateChange: (state) => state === 'closed' && resolve(),
          });
        });
        const run = await client(second.port).runs.get(runId);
        expect(run.run.status).toBe('SUCCESS');
        expect(run.run.attempts).toBe(2);
        expect(run.nodeResults.map((r) => [r.nodeId, r.status])).toEqual(
          NODES.map((id) => [id, 'SUCCESS']),
        );
        expect(run.nodeResults.find((r) => r.nodeId === 'd')?.output).toEqual({ out: 'abcd' });

        const lines_ = journalOf(journal);
        for (const [i, id] of NODES.entries()) {
          expect(lines(lines_, 'done', id), `${id} finished once`).toHaveLength(1);
          // Nodes that finished before the kill ran once, on the first server; the one in
          // flight started again on the second; the rest ran on the second only.
          const starts = lines(lines_, 'start', id).map((line) => line.split('@')[1]);
          if (i < killAt) expect(starts, id).toEqual(['first']);
          else if (i === killAt) expect(starts, id).toEqual(['first', 'second']);
          else expect(starts, id).toEqual(['second']);
        }

        // The engine's own sequence, as a host resuming the run itself would see it. Whether the
        // node in flight had its start stored, and how many chunks it streamed, before the kill
        // depends on when the kill landed: those events are left out on both sides.
        // A kill that landed before the first batch was stored left nothing: the run starts afresh.
        const landed = (sequence: RunEvent[]) => {
          const resumeAt = sequence.findIndex((e) => e.type === 'run:resume');
          return sequence
            .filter((e, i) => !(i < resumeAt && 'nodeId' in e && e.nodeId === victim))
            .map(eventShape);
        };
        const resumed = streamed.some((e) => e.type === 'run:resume');
        expect(landed(streamed)).toEqual(
          landed(
            await referenceEvents(
              graph,
              runId,
              resumed ? { nodeId: victim, interruption: 'kill' } : undefined,
            ),
          ),
        );

        // One unbroken event log: numbered from 1, one start, one finish, each node finished once.
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
        expect(events.filter((e) => e.type === 'run:start')).toHaveLength(1);
        expect(events.filter((e) => e.type === 'run:finish')).toHaveLength(1);
        expect(events.at(-1)?.type).toBe('run:finish');
        expect(events.filter((e) => e.type === 'node:finish')).toHaveLength(NODES.length);

        const db = new Database(dbPath, { readonly: true });
        const running = db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status = 'RUNNING'").get();
        db.close();
        expect(running).toEqual({ n: 0 });
      } finally {
        for (const child of children) await child.kill();
      }
    }, 40_000);
  }
});

describe('two workers on one database', () => {
  it('never run the same run twice', async () => {
    const dbPath = join(dir, 'two-workers.db');
    const journal = join(dir, 'two-workers.journal');
    const store = createSqliteStore({ path: dbPath });
    const children: Child[] = [];
    try {
      await store.ensureUser(USER);
      const config = {
        dbPath,
        journal,
        leaseMs: 2000,
        pollMs: 5,
        concurrency: 4,
        maxRunsPerUser: 100,
      };
      children.push(
        ...(await Promise.all([
          spawnChild('worker', { ...config, name: 'w1' }),
          spawnChild('worker', { ...config, name: 'w2' }),
        ])),
      );
      const RUNS = 40;
      const ids: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const created = await store.createRun(USER, {
          workflowId: null,
          workflowVersion: null,
          graph: stepGraph([
            { id: 'a', ms: 10, tag: `r${i}` },
            { id: 'b', after: 'a', ms: 10, tag: `r${i}` },
          ]) as never,
          scope: 'FULL',
          targetNodeIds: null,
          reuseRunId: null,
        });
        if (created.ok) ids.push(created.run.id);
      }
      await waitFor(
        async () =>
          (await store.listRuns(USER, { page: 1, limit: 1, status: 'SUCCESS' })).total === RUNS,
        'every run to succeed',
        30_000,
      );
      const lines_ = journalOf(journal);
      for (let i = 0; i < RUNS; i++) {
        for (const node of ['a', 'b']) {
          const started = lines_.filter((line) => line.startsWith(`start ${node} 1 r${i} @`));
          expect(started, `run ${i} node ${node}`).toHaveLength(1);
        }
      }
      expect(lines_.filter((line) => line.startsWith('start '))).toHaveLength(RUNS * 2);
      // Both workers took a share, and every run was claimed exactly once.
      const by = (worker: string) => lines_.filter((line) => line.endsWith(`@${worker}`)).length;
      expect(by('w1')).toBeGreaterThan(0);
      expect(by('w2')).toBeGreaterThan(0);
      const page = await store.listRuns(USER, { page: 1, limit: RUNS });
      expect(page.items.map((r) => r.attempts)).toEqual(ids.map(() => 1));
    } finally {
      for (const child of children) await child.kill();
      await store.close();
    }
  }, 40_000);
});
