import { describe, expect, it } from 'vitest';
import { defineNode } from '../defineNode';
import { GalaxyError, RunOptionsError } from '../errors';
import { createRegistry } from '../registry';
import { runWorkflow, startRun } from '../run';
import { defaultRunCaps } from '../runOptions';
import { settingBounds } from '../schema';
import type { RunEvent, RunOptions } from '../types';
import { createTrace, steps, testRegistry, textSource } from './kit';

/** A client-supplied graph on a server: these settings and node data come from the request. */
const greedy = { maxAttempts: 20, backoffMs: 1, factor: 1, jitter: false } as const;

describe('host caps on what a workflow may ask for', () => {
  it('holds a workflow asking for 20 attempts to 10 by default, and says so in the log', async () => {
    const trace = createTrace();
    const result = await runWorkflow(
      { ...steps(['f'], [], { f: { fail: true, retryable: true } }), settings: { retryPolicy: greedy } },
      { registry: testRegistry, context: { trace } },
    );
    expect(result.nodes.f).toMatchObject({ status: 'FAILED', attempts: 10 });
    expect(trace.calls.get('f')).toBe(10);
    expect(result.logs).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('settings.retryPolicy.maxAttempts 20'), data: { field: 'settings.retryPolicy.maxAttempts', asked: 20, cap: 10 } }),
    );
  });

  it("holds a node's own retry policy to the host's caps, logging it against the node", async () => {
    const result = await runWorkflow(steps(['f'], [], { f: { fail: true, retryable: true, retryPolicy: greedy } }), {
      registry: testRegistry,
      caps: { maxAttempts: 4 },
    });
    expect(result.nodes.f).toMatchObject({ status: 'FAILED', attempts: 4 });
    expect(result.logs).toContainEqual(expect.objectContaining({ level: 'warn', nodeId: 'f', data: { field: 'data.retryPolicy.maxAttempts', asked: 20, cap: 4 } }));
  });

  it('lets a workflow ask for fewer attempts than the host, and never cuts the host’s own policy', async () => {
    const fewer = await runWorkflow({ ...steps(['f'], [], { f: { fail: true, retryable: true } }), settings: { retryPolicy: { maxAttempts: 2, backoffMs: 1 } } }, {
      registry: testRegistry,
      retry: { maxAttempts: 5, backoffMs: 1 },
    });
    expect(fewer.nodes.f!.attempts).toBe(2);
    expect(fewer.logs.filter((l) => l.level === 'warn' && l.message.includes('caps'))).toEqual([]);

    // The host asks for 12 itself: the default cap (10) rises to it, and a workflow asking for more gets 12.
    const host = await runWorkflow({ ...steps(['f'], [], { f: { fail: true, retryable: true } }), settings: { retryPolicy: greedy } }, {
      registry: testRegistry,
      retry: { maxAttempts: 12, backoffMs: 1, factor: 1 },
    });
    expect(host.nodes.f!.attempts).toBe(12);
  });

  it('holds the waits a workflow asks for to caps.maxBackoffMs (60 s by default)', async () => {
    const handle = startRun(
      { ...steps(['f'], [], { f: { fail: true, retryable: true } }), settings: { retryPolicy: { maxAttempts: 3, backoffMs: 3_600_000, maxBackoffMs: 3_600_000, jitter: false } } },
      { registry: testRegistry },
    );
    const delays: number[] = [];
    handle.events.on('node:retry', (e) => {
      delays.push(e.delayMs);
      handle.cancel();
    });
    await handle.result;
    expect(delays).toEqual([defaultRunCaps.maxBackoffMs]);

    const capped = await runWorkflow(
      { ...steps(['f'], [], { f: { failTimes: 2, retryable: true, retryPolicy: { backoffMs: 3_600_000, maxBackoffMs: 3_600_000, jitter: false } } }) },
      { registry: testRegistry, caps: { maxBackoffMs: 15 }, onEvent: (e) => e.type === 'node:retry' && delays.push(e.delayMs) },
    );
    expect(capped.nodes.f).toMatchObject({ status: 'SUCCESS', attempts: 3 });
    expect(delays.slice(1)).toEqual([15, 15]);
  });

  it('does not wait out a long Retry-After just because the workflow raised maxBackoffMs', async () => {
    const limited = defineNode({
      ...textSource('limited', 'Limited'),
      run: () => {
        throw new GalaxyError('E_PROVIDER_RATE_LIMIT', 'Slow down.', { retryable: true, retryAfterMs: 120_000 });
      },
    });
    const started = performance.now();
    const result = await runWorkflow(
      { nodes: [{ id: 'l', type: 'limited' }], edges: [], settings: { retryPolicy: { maxAttempts: 3, maxBackoffMs: 3_600_000 } } },
      { registry: createRegistry([limited]) },
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result.nodes.l).toMatchObject({ status: 'FAILED', attempts: 1, error: { retryable: false, details: { retryAfterMs: 120_000 } } });
  });

  it("holds a node's or workflow's time limit to the host's nodeTimeoutMs by default", async () => {
    const started = performance.now();
    const result = await runWorkflow(
      { ...steps(['own', 'wf'], [], { own: { ms: 2_000, ignoreSignal: true, timeoutMs: 86_400_000 }, wf: { ms: 2_000, ignoreSignal: true } }), settings: { nodeTimeoutMs: 86_400_000 } },
      { registry: testRegistry, failureMode: 'fail_safe', nodeTimeoutMs: 40, retry: { maxAttempts: 1 } },
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result.nodes.own).toMatchObject({ status: 'FAILED', error: { code: 'E_TIMEOUT', details: { timeoutMs: 40 } } });
    expect(result.nodes.wf).toMatchObject({ status: 'FAILED', error: { code: 'E_TIMEOUT', details: { timeoutMs: 40 } } });
    expect(result.logs).toContainEqual(expect.objectContaining({ level: 'warn', nodeId: 'own', data: { field: 'data.timeoutMs', asked: 86_400_000, cap: 40 } }));
    expect(result.logs).toContainEqual(expect.objectContaining({ level: 'warn', data: { field: 'settings.nodeTimeoutMs', asked: 86_400_000, cap: 40 } }));
  });

  it('lets a graph lengthen the time limit up to an explicit caps.nodeTimeoutMs, and shorten it always', async () => {
    const result = await runWorkflow(steps(['long', 'short', 'greedy'], [], { long: { ms: 80, timeoutMs: 1_000 }, short: { ms: 500, timeoutMs: 20 }, greedy: { ms: 500, ignoreSignal: true, timeoutMs: 60_000 } }), {
      registry: testRegistry,
      failureMode: 'fail_safe',
      nodeTimeoutMs: 40,
      caps: { nodeTimeoutMs: 200 },
      retry: { maxAttempts: 1 },
    });
    expect(result.nodes.long!.status).toBe('SUCCESS');
    expect(result.nodes.short).toMatchObject({ status: 'FAILED', error: { code: 'E_TIMEOUT', details: { timeoutMs: 20 } } });
    expect(result.nodes.greedy).toMatchObject({ status: 'FAILED', error: { code: 'E_TIMEOUT', details: { timeoutMs: 200 } } });
  });

  it('reads nodeTimeoutMs 0 and Infinity as "no limit", which a node can still shorten', async () => {
    for (const nodeTimeoutMs of [0, Number.POSITIVE_INFINITY]) {
      const result = await runWorkflow(steps(['free', 'short'], [], { free: { ms: 60 }, short: { ms: 500, timeoutMs: 20 } }), {
        registry: testRegistry,
        failureMode: 'fail_safe',
        nodeTimeoutMs,
        retry: { maxAttempts: 1 },
      });
      expect(result.nodes.free!.status).toBe('SUCCESS');
      expect(result.nodes.short).toMatchObject({ status: 'FAILED', error: { code: 'E_TIMEOUT' } });
    }
  });

  it('keeps the default caps inside what the workflow schema accepts', () => {
    expect(defaultRunCaps.maxAttempts).toBeLessThanOrEqual(settingBounds.maxAttempts);
    expect(defaultRunCaps.maxBackoffMs).toBeLessThanOrEqual(settingBounds.maxBackoffMs);
  });
});

describe('run options the engine cannot use', () => {
  const invalid: [string, Partial<RunOptions>][] = [
    ['nodeTimeoutMs', { nodeTimeoutMs: -1 }],
    ['nodeTimeoutMs', { nodeTimeoutMs: Number.NaN }],
    ['concurrency', { concurrency: Number.NaN }],
    ['concurrency', { concurrency: 0 }],
    ['concurrency', { concurrency: 2.5 }],
    ['failureMode', { failureMode: 'fail_slowly' as never }],
    ['retry.maxAttempts', { retry: { maxAttempts: 0 } }],
    ['retry.backoffMs', { retry: { backoffMs: -5 } }],
    ['retry.factor', { retry: { factor: Number.NaN } }],
    ['caps.maxAttempts', { caps: { maxAttempts: Number.NaN } }],
    ['caps.maxBackoffMs', { caps: { maxBackoffMs: -1 } }],
    ['caps.nodeTimeoutMs', { caps: { nodeTimeoutMs: 0 } }],
  ];

  it.each(invalid)('refuses a bad %s with a typed error before anything runs', async (option, bad) => {
    const trace = createTrace();
    const events: RunEvent[] = [];
    const options: RunOptions = { registry: testRegistry, context: { trace }, onEvent: (e) => events.push(e), ...bad };
    let thrown: unknown;
    try {
      startRun(steps(['a'], []), options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RunOptionsError);
    expect(thrown).toMatchObject({ code: 'E_INVALID_RUN_OPTION', option, message: expect.stringContaining(`"${option}"`) });
    await expect(runWorkflow(steps(['a'], []), options)).rejects.toMatchObject({ code: 'E_INVALID_RUN_OPTION', option });
    await new Promise((r) => setTimeout(r, 10));
    expect(trace.starts).toEqual([]);
    expect(events).toEqual([]);
  });
});
