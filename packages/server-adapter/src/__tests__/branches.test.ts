import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinNodes, createRegistry, type RunEvent, startRun } from '@galaxyflow/engine';
import express from 'express';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyClient } from '../client/index';
import { createGalaxyRouter } from '../express';
import { createInProcessQueue } from '../inProcessQueue';
import { createSqliteStore } from '../store/sqlite/index';
import { eventShape } from './fixtures/eventParity';

/**
 * A branching run over the HTTP API, on a real SQLite file and a real Express server: the
 * untaken side is stored SKIPPED with E_BRANCH_NOT_TAKEN, the run is SUCCESS, and `node:skip`
 * comes through Server-Sent Events live and again when the finished run is replayed.
 */

const TOKEN = 'branch-token-0123456789';
const registry = createRegistry(builtinNodes);
const dir = mkdtempSync(join(tmpdir(), 'galaxy-branches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let closeServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeServer?.();
  closeServer = undefined;
});

let files = 0;
async function serve() {
  const store = createSqliteStore({ path: join(dir, `branches-${++files}.db`) });
  const queue = createInProcessQueue({ store, registry, leaseMs: 1000, pollMs: 10 });
  const app = express();
  app.use(
    '/api',
    createGalaxyRouter({
      auth: tokenAuth({ tokens: { [TOKEN]: 'branch-user' } }),
      store,
      queue,
      registry,
      logger: pino({ level: 'silent' }),
    }),
  );
  const http = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => http.once('listening', resolve));
  const client = createGalaxyClient({
    baseUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/api`,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  await queue.start();
  closeServer = async () => {
    await queue.stop({ deadlineMs: 0 });
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
    await store.close();
  };
  return { client, store };
}

const edge = (source: string, sourceHandle: string, target: string, targetHandle: string) => ({
  id: `${source}.${sourceHandle}-${target}.${targetHandle}`,
  source,
  sourceHandle,
  target,
  targetHandle,
});

/** Text → If "Check" (equals "go") → yes / no → Merge → out. */
const ifGraph = (text: string) => ({
  nodes: [
    { id: 'in', type: 'text', data: { text } },
    {
      id: 'check',
      type: 'if',
      data: {
        label: 'Check',
        conditions: [{ left: '{{value}}', operator: 'equals', right: 'go' }],
      },
    },
    { id: 'yes', type: 'debug' },
    { id: 'no', type: 'debug' },
    { id: 'join', type: 'merge' },
    { id: 'out', type: 'debug' },
  ],
  edges: [
    edge('in', 'text', 'check', 'value'),
    edge('check', 'true', 'yes', 'value'),
    edge('check', 'false', 'no', 'value'),
    edge('yes', 'value', 'join', 'values'),
    edge('no', 'value', 'join', 'values'),
    edge('join', 'value', 'out', 'value'),
  ],
});

function stream(client: ReturnType<typeof createGalaxyClient>, runId: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  return new Promise((resolve) => {
    client.subscribe(runId, (event) => events.push(event), {
      onStateChange: (state) => state === 'closed' && resolve(events),
    });
  });
}

describe('a branching run over the HTTP API', () => {
  it('stores the untaken side SKIPPED with E_BRANCH_NOT_TAKEN, the run SUCCESS, and streams node:skip', async () => {
    const { client } = await serve();
    const graph = ifGraph('stop');
    const { runId } = await client.execute(graph);
    const live = await stream(client, runId);
    expect(live.at(-1)).toMatchObject({ type: 'run:finish', status: 'SUCCESS' });
    expect(live.filter((e) => e.type === 'node:skip')).toEqual([
      expect.objectContaining({
        nodeId: 'yes',
        code: 'E_BRANCH_NOT_TAKEN',
        skippedBecause: 'check',
      }),
    ]);

    const detail = await client.runs.get(runId);
    expect(detail.run.status).toBe('SUCCESS');
    const byNode = Object.fromEntries(detail.nodeResults.map((r) => [r.nodeId, r]));
    expect(byNode.yes).toMatchObject({
      status: 'SKIPPED',
      skippedBecause: 'check',
      attempts: 0,
      error: { code: 'E_BRANCH_NOT_TAKEN', details: { branchNodeId: 'check', branchPort: 'true' } },
    });
    expect(byNode.yes!.error!.message).toContain('"Check"');
    expect(byNode.join).toMatchObject({ status: 'SUCCESS', output: { value: ['stop'] } });

    // A client that opens the finished run replays the stored events: node:skip included, and
    // the same sequence a host calling the engine directly sees (with a gate before each start,
    // as the worker has: a skip needs no gate, so it comes before the start of its sibling).
    const replayed = await stream(client, runId);
    expect(replayed.map(eventShape)).toEqual(live.map(eventShape));
    const reference: RunEvent[] = [];
    await startRun(graph, {
      registry,
      runId,
      beforeNodeStart: async () => {},
      onEvent: (e) => reference.push(e),
    }).result;
    expect(replayed.map(eventShape)).toEqual(reference.map(eventShape));
  });

  it('takes the other branch for the other input', async () => {
    const { client } = await serve();
    const { runId } = await client.execute(ifGraph('go'));
    await stream(client, runId);
    const detail = await client.runs.get(runId);
    const status = Object.fromEntries(detail.nodeResults.map((r) => [r.nodeId, r.status]));
    expect(status).toMatchObject({
      yes: 'SUCCESS',
      no: 'SKIPPED',
      join: 'SUCCESS',
      out: 'SUCCESS',
    });
    expect(detail.run.status).toBe('SUCCESS');
  });

  it('answers 422 problem+json naming the field for a refused pattern', async () => {
    const { client } = await serve();
    const graph = ifGraph('go');
    graph.nodes[1] = {
      id: 'check',
      type: 'if',
      data: {
        label: 'Check',
        conditions: [{ left: '{{value}}', operator: 'matches', right: '(a+)+$' }],
      },
    };
    const refused = await client.execute(graph).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ status: 422 });
    expect(JSON.stringify(refused)).toMatch(/conditions\.0\.right.*Nested quantifiers/);
  });
});
