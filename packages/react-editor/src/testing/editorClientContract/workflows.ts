import { expect } from 'vitest';
import { conflictOf, isConflictError } from '../../client/conflict';
import type { EditorClientContractOptions } from './types';
import { clientTest, greeting, rejection } from './world';

const shapeOf = (workflow: { nodes: unknown[]; edges: unknown[] }) => ({
  nodes: (workflow.nodes as { id: string; type: string; data?: unknown }[]).map((n) => ({
    id: n.id,
    type: n.type,
    data: n.data ?? {},
  })),
  edges: (workflow.edges as { source: string; target: string }[]).map((e) => [e.source, e.target]),
});

/** Opening and saving: the editor's load, Save and conflict banner. */
export function workflowRules(options: EditorClientContractOptions): void {
  clientTest(
    options,
    "lists saved workflows at their current version and reads an older one, when it offers the Workflow node's picker",
    async (h) => {
      const { listWorkflows, getWorkflowVersion } = h.client;
      // Both are optional: a client without them gets a picker that says so.
      if (!listWorkflows || !getWorkflowVersion) return;
      const seeded = await h.seed('Greeting', greeting('hi'));
      await h.saveElsewhere(seeded.id, greeting('theirs'));
      const listed = (await listWorkflows.call(h.client)).find((choice) => choice.id === seeded.id);
      expect(listed?.version).toBe(seeded.version + 1);
      const first = await getWorkflowVersion.call(h.client, seeded.id, seeded.version);
      expect(first.version).toBe(seeded.version);
      expect(shapeOf(first.workflow)).toEqual(shapeOf(greeting('hi')));
    },
  );

  clientTest(options, 'opens a stored workflow with its graph and version', async (h) => {
    const seeded = await h.seed('Greeting', greeting('hi'));
    const opened = await h.client.getWorkflow(seeded.id);
    expect(opened.id).toBe(seeded.id);
    expect(opened.version).toBe(seeded.version);
    expect(shapeOf(opened.workflow)).toEqual(shapeOf(greeting('hi')));
  });

  clientTest(
    options,
    'a save based on the current version stores the graph as the next version',
    async (h) => {
      const seeded = await h.seed('Greeting', greeting('hi'));
      const saved = await h.client.saveWorkflow({
        id: seeded.id,
        workflow: greeting('edited'),
        expectedVersion: seeded.version,
      });
      expect(saved.version).toBe(seeded.version + 1);
      const opened = await h.client.getWorkflow(seeded.id);
      expect(opened.version).toBe(saved.version);
      expect(shapeOf(opened.workflow)).toEqual(shapeOf(greeting('edited')));
    },
  );

  clientTest(
    options,
    'a save based on a stale version is refused as a conflict the editor recognises, and stores nothing',
    async (h) => {
      const seeded = await h.seed('Greeting', greeting('hi'));
      await h.saveElsewhere(seeded.id, greeting('theirs'));
      const error = await rejection(
        h.client.saveWorkflow({
          id: seeded.id,
          workflow: greeting('mine'),
          expectedVersion: seeded.version,
        }),
      );
      expect(isConflictError(error)).toBe(true);
      const opened = await h.client.getWorkflow(seeded.id);
      // The banner offers to load or overwrite the version the server holds now.
      expect(conflictOf(error)).toEqual({ currentVersion: opened.version });
      expect(opened.version).toBe(seeded.version + 1);
      expect(shapeOf(opened.workflow)).toEqual(shapeOf(greeting('theirs')));
    },
  );

  clientTest(
    options,
    'opening a workflow that does not exist rejects, not as a conflict',
    async (h) => {
      const error = await rejection(h.client.getWorkflow('no-such-workflow'));
      expect(isConflictError(error)).toBe(false);
    },
  );
}
