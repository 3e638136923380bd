import assert from 'node:assert/strict';
import type { WithStore } from './fixtures';

/** Users: created on first sight, their last visit kept. */
export function userRules(withStore: WithStore): void {
  withStore('ensureUser creates a user once and records the last visit', async (store, clock) => {
    const first = await store.ensureUser('user-carol');
    clock.ms += 1000;
    const again = await store.ensureUser('user-carol');
    assert.equal(again.id, 'user-carol');
    assert.equal(again.createdAt, first.createdAt);
    assert.equal(again.lastSeenAt - first.lastSeenAt, 1000);
  });

  withStore('checkWritable takes a write and leaves nothing behind', async (store) => {
    const before = await store.ensureUser('user-carol');
    await store.checkWritable();
    await store.checkWritable();
    const after = await store.ensureUser('user-carol');
    assert.equal(after.createdAt, before.createdAt);
    await store.ping();
  });
}
