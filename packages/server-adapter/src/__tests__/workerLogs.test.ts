import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = join(resolve(here, '../..'), 'node_modules', '.cache', 'galaxy-test');
const outfile = join(cacheDir, `failing-worker-${process.pid}.mjs`);
afterAll(() => rmSync(outfile, { force: true }));

describe('worker logs', () => {
  it('a worker given no logger reports its failures as JSON lines, not silence', async () => {
    mkdirSync(cacheDir, { recursive: true });
    await build({
      entryPoints: [join(here, 'fixtures', 'failingWorker.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['@galaxyflow/source'],
      external: ['better-sqlite3', 'express', 'pino'],
      logLevel: 'error',
    });
    // Its own process: pino writes to the real stdout, which is what a host's logs collect.
    const child = spawnSync(process.execPath, [outfile, '100'], { encoding: 'utf8' });
    expect(child.status).toBe(0);
    const lines = child.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatchObject({
      level: 50,
      name: 'galaxyflow-worker',
      msg: 'claiming a run failed',
      err: expect.objectContaining({ message: 'the database is locked' }),
    });
  });
});
