import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GalaxyStore } from '@galaxyflow/server-adapter';
import { createSqliteStore, type SqliteStoreOptions } from '@galaxyflow/server-adapter/sqlite';
import { ConfigError } from './config';

/** `EACCES`, `ENOTDIR`, ...: the part of a system error a reader can look up. */
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}

/**
 * Makes sure `DATA_DIR` is a folder this user can write, creating it if missing, and returns
 * its absolute path. Each failure is one line naming the variable, the path and the fix, so
 * the app stops before it prints "running" over a data folder it cannot use.
 */
export function prepareDataDir(configured: string): string {
  const dir = resolve(configured);
  const named = `DATA_DIR=${configured}${dir === configured ? '' : ` (${dir})`}`;
  let existing: ReturnType<typeof statSync>;
  try {
    existing = statSync(dir, { throwIfNoEntry: false });
  } catch {
    // ENOTDIR: a parent is a file; creating the folder below fails and says so.
    existing = undefined;
  }
  if (existing && !existing.isDirectory()) {
    throw new ConfigError(
      `The app cannot start: ${named} is a file, not a folder. Point DATA_DIR at a folder (it is created if missing), or move the file away.`,
    );
  }
  if (!existing) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new ConfigError(
        `The app cannot start: ${named} cannot be created (${codeOf(error)}). Create the folder yourself with write access for this user, or point DATA_DIR at a folder this user can create.`,
      );
    }
  }
  const probe = join(dir, `.write-test-${process.pid}`);
  try {
    writeFileSync(probe, '', { flag: 'wx' });
    unlinkSync(probe);
  } catch (error) {
    throw new ConfigError(
      `The app cannot start: ${named} is not writable by this user (${codeOf(error)}). Give this user write access to it (e.g. chown), or point DATA_DIR at a writable folder.`,
    );
  }
  return dir;
}

/**
 * Opens the database in `dataDir` and proves it takes a write (rolled back). A file SQLite can
 * only open for reading would otherwise serve reads, pass a read-only health check and fail
 * every signed-in request.
 */
export async function openWritableStore(
  dataDir: string,
  options: Partial<SqliteStoreOptions> = {},
): Promise<GalaxyStore> {
  const path = join(dataDir, 'galaxy.db');
  const refuse = (error: unknown) =>
    new ConfigError(
      `The app cannot start: the database ${path} (in DATA_DIR) cannot be written (${codeOf(error)}). Make it and its folder writable by this user, remove it to start afresh, or point DATA_DIR elsewhere.`,
    );
  let store: GalaxyStore;
  try {
    store = createSqliteStore({ ...options, path });
  } catch (error) {
    throw refuse(error);
  }
  try {
    await store.checkWritable();
  } catch (error) {
    await store.close();
    throw refuse(error);
  }
  return store;
}
