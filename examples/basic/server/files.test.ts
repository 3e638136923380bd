import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { createProviderSet, llmContext } from '@galaxyflow/engine';
import { createOpenAICompatibleProvider } from '@galaxyflow/engine/providers/openai-compatible';
import { type LLMStub, startLLMStub } from '@galaxyflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startTestApp, TEST_TOKEN } from './testSupport';

function chunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.byteLength);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid RGB PNG of `size` x `size` pixels (a gradient). */
function makePng(size: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) row.set([x & 255, y & 255, (x * y) & 255], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

let running: RunningApp;
let stub: LLMStub;
let base: string;
const auth = { authorization: `Bearer ${TEST_TOKEN}` };

beforeAll(async () => {
  stub = await startLLMStub();
  const providers = createProviderSet({
    providers: [
      createOpenAICompatibleProvider({ baseUrl: stub.url, name: 'local', defaultModel: 'eyes' }),
    ],
    resilience: { retry: { maxAttempts: 1 }, circuitBreaker: false },
  });
  // A small upload cap and quota, so both limits are reachable with small pictures.
  running = await startTestApp(
    { MAX_UPLOAD_BYTES: '4000', FILE_QUOTA_BYTES: '6000' },
    { context: llmContext({ providers }) },
  );
  base = `http://127.0.0.1:${running.port}/api`;
});
afterAll(async () => {
  await running?.close();
  await stub?.close();
});

const upload = (bytes: Buffer) =>
  fetch(`${base}/files`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'image/png' },
    body: new Uint8Array(bytes),
  });

describe('uploads in the reference app', () => {
  it('keeps an uploaded image under DATA_DIR/blobs and a Vision node reads its bytes', async () => {
    const png = makePng(8);
    const res = await upload(png);
    expect(res.status).toBe(201);
    const file = (await res.json()) as { id: string; sha256: string };
    const shard = readdirSync(join(running.dataDir, 'blobs', file.sha256.slice(0, 2)));
    expect(shard).toContain(file.sha256);

    stub.enqueue({ type: 'text', text: 'A small gradient.' });
    const started = await fetch(`${base}/execute`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        nodes: [
          { id: 'pic', type: 'image', data: { fileId: file.id } },
          {
            id: 'look',
            type: 'vision',
            data: { provider: 'local', retryPolicy: { maxAttempts: 1 } },
          },
        ],
        edges: [
          { id: 'e', source: 'pic', sourceHandle: 'image', target: 'look', targetHandle: 'image' },
        ],
      }),
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    let status = 'QUEUED';
    for (
      let i = 0;
      i < 100 && !['SUCCESS', 'FAILED', 'PARTIAL', 'CANCELED'].includes(status);
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (
        (await (await fetch(`${base}/runs/${runId}`, { headers: auth })).json()) as {
          run: { status: string };
        }
      ).run.status;
    }
    expect(status).toBe('SUCCESS');
    expect(stub.requests[0]?.images).toEqual([
      { mimeType: 'image/png', base64: png.toString('base64') },
    ]);
  });

  it('keeps generated images as files of the run owner, served as PNG downloads', async () => {
    stub.enqueue({ type: 'text', text: 'ignored for image requests' });
    const started = await fetch(`${base}/execute`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        nodes: [
          {
            id: 'draw',
            type: 'image-gen',
            data: { provider: 'local', prompt: 'a red square', count: 1 },
          },
        ],
        edges: [],
      }),
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    type Detail = { run: { status: string }; nodeResults: { nodeId: string; output?: unknown }[] };
    let detail: Detail = { run: { status: 'QUEUED' }, nodeResults: [] };
    for (let i = 0; i < 100 && !['SUCCESS', 'FAILED', 'PARTIAL'].includes(detail.run.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      detail = (await (await fetch(`${base}/runs/${runId}`, { headers: auth })).json()) as Detail;
    }
    expect(detail.run.status).toBe('SUCCESS');
    const output = JSON.stringify(detail.nodeResults.find((r) => r.nodeId === 'draw')?.output);
    const id = /galaxy-file:([A-Za-z0-9_-]+)/.exec(output)?.[1];
    expect(id, output).toBeDefined();

    const meta = (await (await fetch(`${base}/files/${id}`, { headers: auth })).json()) as {
      contentType: string;
      width: number;
    };
    expect(meta.contentType).toBe('image/png');
    expect(meta.width).toBeGreaterThan(0);
    const download = await fetch(`${base}/files/${id}/content`, { headers: auth });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
    // It is listed among the user's files, so retention treats it like an upload.
    const listed = (await (await fetch(`${base}/files`, { headers: auth })).json()) as {
      items: { id: string }[];
    };
    expect(listed.items.map((f) => f.id)).toContain(id);
  });

  it('refuses an upload past MAX_UPLOAD_BYTES with 413, and one past FILE_QUOTA_BYTES with 409', async () => {
    const big = makePng(64);
    expect(big.byteLength).toBeGreaterThan(4000);
    const tooBig = await upload(big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.headers.get('content-type')).toMatch(/problem\+json/);

    // Distinct pictures until the user's files would pass 6,000 bytes.
    const statuses: number[] = [];
    for (const size of [20, 21, 22, 23, 24]) statuses.push((await upload(makePng(size))).status);
    expect(statuses).toContain(409);
  });
});
