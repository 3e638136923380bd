import { connect } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApp, startTestApp, TEST_TOKEN } from './testSupport';

let running: RunningApp | undefined;
let lines: Record<string, unknown>[] = [];
afterEach(async () => {
  await running?.close();
  running = undefined;
  lines = [];
});

/** The app with short limits (the defaults are 30 s and 10 s), logging into `lines`. */
async function start() {
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        callback();
      },
    }),
  );
  running = await startTestApp(
    { REQUEST_TIMEOUT_MS: '600', HEADERS_TIMEOUT_MS: '300' },
    { logger },
  );
  return running.port;
}

/** Writes `text` on a raw loopback socket and resolves when the server closes it, with what it sent. */
function holdOpen(port: number, text: string): Promise<{ elapsedMs: number; received: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.on('data', (chunk) => {
      received += String(chunk);
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve({ elapsedMs: performance.now() - started, received }));
  });
}

describe('HTTP server time limits', () => {
  it('cuts off a signed-in upload whose body never finishes, and logs a client abort at info', async () => {
    const port = await start();
    const head = [
      'POST /api/workflows HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: Bearer ${TEST_TOKEN}`,
      'Content-Type: application/json',
      'Content-Length: 100000',
      '',
      '{"name":"never ends',
    ];
    const { elapsedMs, received } = await holdOpen(port, head.join('\r\n'));
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(elapsedMs).toBeGreaterThanOrEqual(500);
    expect(elapsedMs).toBeLessThan(3000);
    await expect
      .poll(() => lines.find((line) => line.msg === 'client aborted the request'))
      .toMatchObject({ level: 30, status: 499 });
    expect(lines.filter((line) => (line.level as number) >= 50)).toEqual([]);
  });

  it('cuts off a client that never finishes its headers', async () => {
    const port = await start();
    const { elapsedMs, received } = await holdOpen(
      port,
      'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ',
    );
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(elapsedMs).toBeLessThan(3000);
  });
});
