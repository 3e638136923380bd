import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** An error event as a Sentry SDK sends it (the fields a host's test usually checks). */
export interface RecordedSentryEvent {
  exception: { values: { type: string; value: string }[] };
  tags?: Record<string, string>;
  environment?: string;
  user?: { id?: string };
  contexts?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/** A local endpoint that speaks Sentry's ingestion protocol and keeps what it was sent. */
export interface SentryRecorder {
  /** A DSN for the SDK's `init`: project 42 on this endpoint. */
  readonly dsn: string;
  /** Every envelope posted, in order: its path and its items (headers and payloads). */
  readonly envelopes: readonly { path: string; items: Record<string, unknown>[] }[];
  /** The error events among them. */
  events(): RecordedSentryEvent[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Starts a Sentry stand-in on a free loopback port: a host's tests point the real Sentry SDK at
 * its DSN and read the envelopes it got (newline-separated JSON: a header, then item header and
 * payload pairs; gzip accepted). It answers every envelope 200.
 */
export async function startSentryRecorder(): Promise<SentryRecorder> {
  const envelopes: { path: string; items: Record<string, unknown>[] }[] = [];
  const server = createServer((req, res) => {
    readBody(req).then(
      (raw) => {
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        const lines = body.toString('utf8').split('\n').filter(Boolean);
        envelopes.push({
          path: req.url ?? '',
          items: lines.map((line) => JSON.parse(line) as Record<string, unknown>),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      },
      () => res.writeHead(400).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://publickey@127.0.0.1:${port}/42`,
    envelopes,
    events: () =>
      envelopes.flatMap(({ items }) =>
        items.filter((item) =>
          Array.isArray((item as { exception?: { values?: unknown } }).exception?.values),
        ),
      ) as RecordedSentryEvent[],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
