import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFixture } from './fixtures/spawnChild';

let outfile: string | undefined;
afterAll(() => {
  if (outfile) rmSync(outfile, { force: true });
});

describe('worker logs', () => {
  it('a worker given no logger reports its failures as JSON lines, not silence', async () => {
    outfile = await bundleFixture('failingWorker.ts');
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
