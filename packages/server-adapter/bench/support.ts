// What the server adapter's benches share: the bench user, a node that streams on a clock,
// an HTTP helper and the percentile they all report.
import { request } from 'node:http';
import { defineNode } from '@galaxyflow/engine';
import { z } from 'zod';
import type { RunQueue } from '../src/index';

export const TOKEN = 'bench-token-0123456789';
export const USER = 'bench-user';

/** A queue that takes runs and never executes them: for benches of the request pipeline alone. */
export const idleQueue = (): RunQueue => ({
  enqueue: async () => undefined,
  cancel: async () => {},
  start: async () => {},
  stop: async () => {},
});

/** Streams one delta every `1000 / rate` ms for `seconds`, once `context.ready()` says so. */
export const tickerNode = defineNode({
  type: 'ticker',
  label: 'Ticker',
  category: 'Bench',
  inputs: {},
  outputs: { out: { type: 'text' } },
  data: z.object({ rate: z.number(), seconds: z.number(), waitMs: z.number() }),
  async run({ data, emit, signal, context }) {
    const ready = context.ready as () => boolean;
    const giveUp = Date.now() + data.waitMs;
    while (!ready() && Date.now() < giveUp) await new Promise((resolve) => setTimeout(resolve, 20));
    // Let the last streams finish their replay before the first tick.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const total = data.rate * data.seconds;
    const started = performance.now();
    for (let i = 0; i < total && !signal.aborted; i++) {
      // Paced against the start, so timer drift does not lower the rate.
      const due = started + (i * 1000) / data.rate;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      emit(`tick ${i}`);
    }
    // The run's end closes all 1,000 streams at once, and the subscriber processes spend a
    // while tearing their sockets down: a real client is alone on its machine. The pause
    // keeps that harness cost out of the last tick's figure.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return { out: 'done' };
  },
});

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function postJson(port: number, path: string, body: unknown): Promise<{ runId: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve(JSON.parse(text) as { runId: string }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
