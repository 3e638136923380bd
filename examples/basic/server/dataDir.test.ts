import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './config';
import { openWritableStore } from './dataDir';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'galaxyflow-datadir-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('openWritableStore', () => {
  it('opens a database that takes writes', async () => {
    const store = await openWritableStore(dir);
    await store.close();
  });

  // Root ignores file permissions, so the read-only file is made by opening it read-only
  // (SQLITE_OPEN_READONLY): what SQLite does by itself with a file this user may only read.
  it('refuses a database it can only read, naming the path and the fix', async () => {
    await (await openWritableStore(dir)).close();
    const refused = openWritableStore(dir, { readonly: true });
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(
      `The app cannot start: the database ${join(dir, 'galaxy.db')} (in DATA_DIR) cannot be written (SQLITE_READONLY). Make it and its folder writable by this user`,
    );
  });
});
