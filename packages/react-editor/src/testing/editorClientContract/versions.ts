import { expect } from 'vitest';
import { isConflictError } from '../../client/conflict';
import type { EditorClientContractOptions } from './types';
import { clientTest, greeting, rejection } from './world';

const texts = (workflow: { nodes: unknown[] }) =>
  (workflow.nodes as { data?: { text?: unknown } }[])
    .map((node) => node.data?.text)
    .filter((text) => text !== undefined);

/** The Versions panel: the saved versions, one version's graph, and restoring one as the next. */
export function versionRules(options: EditorClientContractOptions): void {
  clientTest(
    options,
    'lists saved versions newest first and reads each one’s graph (when it can)',
    async (h) => {
      const { listVersions, getVersion } = h.client;
      if (!listVersions || !getVersion) return;
      const seeded = await h.seed('Greeting', greeting('first'));
      await h.client.saveWorkflow({
        id: seeded.id,
        workflow: greeting('second'),
        expectedVersion: seeded.version,
      });
      const page = await listVersions.call(h.client, seeded.id, { page: 1, limit: 10 });
      expect(page.items.map((item) => item.version)).toEqual([seeded.version + 1, seeded.version]);
      for (const item of page.items) expect(typeof item.createdAt).toBe('number');
      const first = await getVersion.call(h.client, seeded.id, seeded.version);
      expect(texts(first.workflow)).toEqual(texts(greeting('first')));
    },
  );

  clientTest(
    options,
    'restores an old version as the next one, and refuses a stale restore as a conflict',
    async (h) => {
      const { restoreVersion } = h.client;
      if (!restoreVersion) return;
      const seeded = await h.seed('Greeting', greeting('first'));
      const second = await h.client.saveWorkflow({
        id: seeded.id,
        workflow: greeting('second'),
        expectedVersion: seeded.version,
      });
      const restored = await restoreVersion.call(
        h.client,
        seeded.id,
        seeded.version,
        second.version,
      );
      expect(restored.version).toBe(second.version + 1);
      expect(texts((await h.client.getWorkflow(seeded.id)).workflow)).toEqual(
        texts(greeting('first')),
      );
      const stale = await rejection(
        restoreVersion.call(h.client, seeded.id, second.version, second.version),
      );
      expect(isConflictError(stale)).toBe(true);
      expect((await h.client.getWorkflow(seeded.id)).version).toBe(restored.version);
    },
  );
}
