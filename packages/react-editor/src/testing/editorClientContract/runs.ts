import type { RunEvent } from '@galaxyflow/engine';
import { expect } from 'vitest';
import type { EditorClientContractOptions } from './types';
import { clientTest, eventually, follow, greeting, rejection, waiting } from './world';

const finishOf = (events: readonly RunEvent[]) => events.find((e) => e.type === 'run:finish');
const count = (events: readonly RunEvent[], type: RunEvent['type'], nodeId?: string) =>
  events.filter(
    (e) => e.type === type && (nodeId === undefined || ('nodeId' in e && e.nodeId === nodeId)),
  ).length;

/** Running: Run, the live canvas, Cancel and the run history. */
export function runRules(options: EditorClientContractOptions): void {
  clientTest(
    options,
    'a run of an unsaved graph streams run:start to run:finish SUCCESS, each event once, and getRun has its outputs',
    async (h) => {
      const { nodes, edges } = greeting('hello');
      const { runId } = await h.client.execute({ nodes, edges });
      const events = await follow(h.client, runId).finished;
      expect(events[0]?.type).toBe('run:start');
      expect(events.at(-1)).toMatchObject({ type: 'run:finish', runId, status: 'SUCCESS' });
      expect(count(events, 'run:start')).toBe(1);
      expect(count(events, 'run:finish')).toBe(1);
      for (const nodeId of ['a', 'b', 'c']) {
        expect(count(events, 'node:finish', nodeId)).toBe(1);
        const started = events.findIndex((e) => e.type === 'node:start' && e.nodeId === nodeId);
        const finished = events.findIndex((e) => e.type === 'node:finish' && e.nodeId === nodeId);
        expect(started).toBeGreaterThan(0);
        expect(started).toBeLessThan(finished);
      }
      expect(events.every((e) => e.runId === runId)).toBe(true);
      const record = await h.client.getRun(runId);
      expect(record.runId).toBe(runId);
      expect(record.status).toBe('SUCCESS');
      expect(record.nodes.b).toMatchObject({ status: 'SUCCESS', output: { value: 'hello' } });
      expect(record.nodes.c).toMatchObject({ status: 'SUCCESS', output: { value: 'hello' } });
    },
  );

  clientTest(options, "a run gives the workflow's Input nodes the values it names", async (h) => {
    const { runId } = await h.client.execute({
      nodes: [
        { id: 'in', type: 'input', data: { name: 'topic', valueType: 'text', default: 'cats' } },
        { id: 'out', type: 'template', data: { template: 'About {{topic}}' } },
      ],
      edges: [
        { id: 'e', source: 'in', sourceHandle: 'value', target: 'out', targetHandle: 'topic' },
      ],
      inputs: { topic: 'owls' },
    });
    await follow(h.client, runId).finished;
    expect((await h.client.getRun(runId)).nodes.out).toMatchObject({
      status: 'SUCCESS',
      output: { text: 'About owls' },
    });
  });

  clientTest(options, 'a late subscriber gets the same events, replayed', async (h) => {
    const { nodes, edges } = greeting();
    const { runId } = await h.client.execute({ nodes, edges });
    const live = await follow(h.client, runId).finished;
    const replayed = await follow(h.client, runId).finished;
    expect(replayed).toEqual(live);
  });

  clientTest(options, 'unsubscribing stops delivery', async (h) => {
    const { nodes, edges } = greeting();
    const { runId } = await h.client.execute({ nodes, edges });
    const leaving = follow(h.client, runId);
    leaving.stop();
    await follow(h.client, runId).finished;
    expect(leaving.events).toEqual([]);
  });

  clientTest(
    options,
    'runs of a saved workflow are in its history, newest first, page by page',
    async (h) => {
      const workflow = await h.seed('Greeting', greeting());
      const other = await h.seed('Other', greeting('other'));
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { runId } = await h.client.execute({ workflowId: workflow.id });
        await follow(h.client, runId).finished;
        ids.push(runId);
        // Each run starts in a later millisecond, so "newest first" has one answer.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const { runId: elsewhere } = await h.client.execute({ workflowId: other.id });
      await follow(h.client, elsewhere).finished;
      const first = await h.client.listRuns({ workflowId: workflow.id, page: 1, limit: 2 });
      expect(first.items.map((r) => r.runId)).toEqual([ids[2], ids[1]]);
      expect(first.items.map((r) => [r.workflowId, r.status])).toEqual([
        [workflow.id, 'SUCCESS'],
        [workflow.id, 'SUCCESS'],
      ]);
      // One of the two is enough for the history's "more" button.
      expect(first.total === 3 || first.hasMore === true).toBe(true);
      const second = await h.client.listRuns({ workflowId: workflow.id, page: 2, limit: 2 });
      expect(second.items.map((r) => r.runId)).toEqual([ids[0]]);
    },
  );

  clientTest(
    options,
    'cancel stops a running run: its stream ends CANCELED and getRun says so',
    async (h) => {
      const { runId } = await h.client.execute({ nodes: waiting.nodes, edges: waiting.edges });
      const followed = follow(h.client, runId);
      await eventually(() => expect(count(followed.events, 'node:start', 'w')).toBe(1));
      await h.client.cancel(runId);
      const events = await followed.finished;
      expect(finishOf(events)).toMatchObject({ status: 'CANCELED' });
      expect(events.filter((e) => e.type === 'node:finish').map((e) => e.result.status)).toEqual([
        'CANCELED',
      ]);
      expect((await h.client.getRun(runId)).status).toBe('CANCELED');
    },
  );

  clientTest(
    options,
    'cancel right after execute, before the client saw any event, ends the run CANCELED',
    async (h) => {
      // The editor does this when Cancel is pressed before the server answered Run: the run
      // may still be queued, or its node just started.
      const { runId } = await h.client.execute({ nodes: waiting.nodes, edges: waiting.edges });
      await h.client.cancel(runId);
      const events = await follow(h.client, runId).finished;
      expect(finishOf(events)).toMatchObject({ status: 'CANCELED' });
      expect((await h.client.getRun(runId)).status).toBe('CANCELED');
    },
  );

  clientTest(
    options,
    "a partial run executes the target and its ancestors, reusing an earlier run's unchanged outputs",
    async (h) => {
      const workflow = await h.seed('Greeting', greeting());
      const { runId: full } = await h.client.execute({ workflowId: workflow.id });
      await follow(h.client, full).finished;
      const { runId } = await h.client.execute({
        workflowId: workflow.id,
        targetNodeIds: ['b'],
        reuseRunId: full,
      });
      const events = await follow(h.client, runId).finished;
      expect(finishOf(events)).toMatchObject({ status: 'SUCCESS' });
      expect(count(events, 'node:finish', 'c')).toBe(0);
      const record = await h.client.getRun(runId);
      expect(Object.keys(record.nodes).sort()).toEqual(['a', 'b']);
      expect(record.nodes.a).toMatchObject({ status: 'SUCCESS', reused: true });
      expect(record.nodes.b).toMatchObject({ status: 'SUCCESS', output: { value: 'hello' } });
    },
  );

  clientTest(options, 'getRun of a run that does not exist rejects', async (h) => {
    await rejection(h.client.getRun('no-such-run'));
  });
}
