import { join } from 'node:path';
import {
  type SentryRecorder,
  startSentryRecorder,
} from '@galaxyflow/server-adapter/testing/servers';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAppEnv } from '../server/env';
import { flushErrorReports } from '../server/errorReporting';
import { buildGalaxyHandler } from '../server/galaxy';
import { buildWorkerDeps } from '../server/worker';
import { migratedSqliteFile, scratchDir } from './databases';

const scratch = scratchDir('galaxy-sentry-');
let sentry: SentryRecorder;
let env: Record<string, string>;
let databaseFile: string;

beforeAll(async () => {
  // A local endpoint speaking Sentry's ingestion protocol, reached by the real @sentry/nextjs.
  sentry = await startSentryRecorder();
  databaseFile = migratedSqliteFile(join(scratch.dir, 'galaxy.db'));
  env = {
    NODE_ENV: 'test',
    GALAXY_TEST_AUTH: '1',
    DATABASE_URL: `file:${databaseFile}`,
    GALAXY_QUEUE: 'embedded',
    SENTRY_DSN: sentry.dsn,
    SENTRY_ENVIRONMENT: 'test',
  };
});
afterAll(async () => {
  await sentry?.close();
  scratch.remove();
});

const request = (path: string, user?: string) =>
  new Request(`http://localhost/api${path}`, {
    headers: user ? { cookie: `galaxy_test_user=${user}` } : {},
  });

describe('SENTRY_DSN in the Next example', () => {
  it('must be a Sentry DSN, named in the message', () => {
    expect(() => readAppEnv({ ...env, SENTRY_DSN: 'not a dsn' })).toThrow(
      'SENTRY_DSN must be the DSN of a Sentry project',
    );
  });

  it('reports a fault of the API as a Sentry event with its route, code and user, and not a caller’s mistake', async () => {
    const host = await buildGalaxyHandler(env, { logger: pino({ level: 'silent' }) });
    // The database loses its workflows table under the running handler: reading it fails.
    const db = new Database(databaseFile);
    db.exec('DROP TABLE workflows');
    db.close();
    const failed = await host.handler(request('/workflows', 'alice'));
    expect(failed.status).toBe(500);
    const requestId = failed.headers.get('x-request-id');
    // Not signed in: a 401, the caller's business, not a fault.
    expect((await host.handler(request('/workflows'))).status).toBe(401);
    await flushErrorReports(env, 5000);

    const events = sentry.events();
    expect(events).toHaveLength(1);
    const [event] = events as [(typeof events)[number]];
    expect(event.environment).toBe('test');
    expect(event.tags).toMatchObject({ kind: 'request', route: '/workflows', status: '500' });
    expect(event.user).toMatchObject({ id: 'alice' });
    expect(event.contexts?.galaxyflow).toMatchObject({ requestId, method: 'GET' });
    await host.close();
  });

  it('gives the worker the same hook, so a run ended by a fault is reported with its run id', async () => {
    const worker = await buildWorkerDeps(env);
    try {
      const before = sentry.events().length;
      await worker.deps.onError?.(new Error('the lease was lost twice'), {
        kind: 'run',
        runId: 'run_1',
        userId: 'bob',
        workflowId: null,
        code: 'E_RUN_INTERRUPTED',
        workerId: 'w1',
      });
      await flushErrorReports(env, 5000);
      const events = sentry.events().slice(before);
      expect(events).toHaveLength(1);
      expect(events[0]!.tags).toMatchObject({ kind: 'run', code: 'E_RUN_INTERRUPTED' });
      expect(events[0]!.contexts?.galaxyflow).toMatchObject({ runId: 'run_1' });
    } finally {
      await worker.close();
    }
  });
});
