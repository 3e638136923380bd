import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createInProcessQueue } from '../inProcessQueue';
import { createMemoryStore } from '../store/memoryStore';
import { createSqliteStore } from '../store/sqlite/index';
import { createInlineQueue } from '../testing/inlineQueue';
import { runQueueContract } from '../testing/queueContract';

const dir = mkdtempSync(join(tmpdir(), 'galaxy-queue-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

runQueueContract({
  name: 'in-process queue on SQLite',
  create({ registry }) {
    const store = createSqliteStore({ path: join(dir, `queue-${++files}.db`) });
    const queue = createInProcessQueue({ store, registry, pollMs: 20 });
    return {
      queue,
      store,
      async work() {
        await queue.start();
        await queue.idle();
      },
      close: () => store.close(),
    };
  },
});

runQueueContract({
  name: 'inline queue',
  create({ registry }) {
    const store = createMemoryStore();
    const queue = createInlineQueue({ store, registry, paused: true });
    return {
      queue,
      store,
      async work() {
        queue.resume();
        await queue.idle();
      },
      close: () => store.close(),
    };
  },
});
