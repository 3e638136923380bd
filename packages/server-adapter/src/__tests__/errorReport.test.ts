import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { errorReportOf } from '../observe';
import { startSentryRecorder } from '../testing/servers/index';

describe('errorReportOf', () => {
  it('tags a failed request by kind, code, route and status, and names its user', () => {
    const context = {
      kind: 'request' as const,
      requestId: 'req-1',
      method: 'GET',
      route: '/runs/:id',
      status: 503,
      code: 'E_STORE_UNAVAILABLE',
      userId: 'alice',
    };
    expect(errorReportOf(context)).toEqual({
      tags: { kind: 'request', code: 'E_STORE_UNAVAILABLE', route: '/runs/:id', status: '503' },
      contexts: { galaxyflow: context },
      user: { id: 'alice' },
    });
    // An anonymous request has no user, and the report is a copy the tracker may keep.
    const { userId: _, ...anonymous } = context;
    const report = errorReportOf(anonymous);
    expect(report).not.toHaveProperty('user');
    expect(report.contexts.galaxyflow).not.toBe(anonymous);
  });

  it('tags a faulted run by kind and code only, keeping run and node ids out of the tags', () => {
    const context = {
      kind: 'run' as const,
      runId: 'run-1',
      userId: 'bob',
      workflowId: null,
      nodeId: 'llm',
      code: 'E_RUN_INTERRUPTED',
      workerId: 'w1',
    };
    const report = errorReportOf(context);
    expect(report.tags).toEqual({ kind: 'run', code: 'E_RUN_INTERRUPTED' });
    expect(report.contexts.galaxyflow).toMatchObject({ runId: 'run-1', nodeId: 'llm' });
    expect(report.user).toEqual({ id: 'bob' });
  });
});

describe('startSentryRecorder', () => {
  it('keeps the envelopes posted to its DSN, gzipped or not, and picks out the error events', async () => {
    const recorder = await startSentryRecorder();
    try {
      const dsn = new URL(recorder.dsn);
      expect(dsn.username).toBe('publickey');
      const endpoint = `${dsn.origin}/api${dsn.pathname}/envelope/`;
      const event = {
        event_id: '0123456789abcdef0123456789abcdef',
        exception: { values: [{ type: 'Error', value: 'database disk image is malformed' }] },
        tags: { kind: 'request', code: 'E_INTERNAL' },
        environment: 'test',
      };
      const envelope = [
        JSON.stringify({ event_id: event.event_id, dsn: recorder.dsn }),
        JSON.stringify({ type: 'event' }),
        JSON.stringify(event),
      ].join('\n');
      const session = [
        JSON.stringify({}),
        JSON.stringify({ type: 'session' }),
        JSON.stringify({ status: 'ok' }),
      ].join('\n');

      const plain = await fetch(endpoint, { method: 'POST', body: envelope });
      expect(plain.status).toBe(200);
      const zipped = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-encoding': 'gzip' },
        body: gzipSync(Buffer.from(session)),
      });
      expect(zipped.status).toBe(200);

      expect(recorder.envelopes.map((entry) => entry.path)).toEqual([
        '/api/42/envelope/',
        '/api/42/envelope/',
      ]);
      expect(recorder.envelopes[1]?.items[2]).toEqual({ status: 'ok' });
      expect(recorder.events()).toEqual([event]);
    } finally {
      await recorder.close();
    }
  });
});
