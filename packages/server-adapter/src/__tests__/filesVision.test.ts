import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProviderSet, type FileLoader, llmContext } from '@galaxyflow/engine';
import { createOpenAICompatibleProvider } from '@galaxyflow/engine/providers/openai-compatible';
import { type LLMStub, startLLMStub } from '@galaxyflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiskBlobStore } from '../blobs/diskBlobStore';
import { createFileLoader } from '../files/fileLoader';
import { makePng } from './fixtures/images';
import { BOB_TOKEN, type Harness, makeHarnessFactory } from './harness';

const dir = mkdtempSync(join(tmpdir(), 'galaxy-files-vision-'));

describe('a Vision node reading an uploaded file', () => {
  let api: Harness;
  let stub: LLMStub;
  beforeAll(async () => {
    stub = await startLLMStub();
    const providers = createProviderSet({
      providers: [
        createOpenAICompatibleProvider({ baseUrl: stub.url, name: 'local', defaultModel: 'eyes' }),
      ],
      resilience: { retry: { maxAttempts: 1 }, circuitBreaker: false },
    });
    const blobs = createDiskBlobStore({ dir: join(dir, 'blobs') });
    // The harness makes its store; the loader reads it once it exists.
    let loader: FileLoader | undefined;
    const loadFile: FileLoader = (fileId, options) => loader!(fileId, options);
    api = await makeHarnessFactory('express')({
      blobs,
      context: llmContext({ providers, loadFile }),
    });
    loader = createFileLoader({ files: api.store.files!, blobs });
  });
  afterAll(async () => {
    await api.close();
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const graph = (fileId: string) => ({
    nodes: [
      { id: 'pic', type: 'image', data: { fileId } },
      { id: 'look', type: 'vision', data: { provider: 'local', retryPolicy: { maxAttempts: 1 } } },
    ],
    edges: [
      { id: 'e', source: 'pic', sourceHandle: 'image', target: 'look', targetHandle: 'image' },
    ],
  });

  async function run(fileId: string, token?: string) {
    const res = await api.request('POST', '/execute', {
      json: graph(fileId),
      ...(token ? { token } : {}),
    });
    expect(res.status).toBe(202);
    await api.queue.idle();
    return (await api.request('GET', `/runs/${res.body.runId}`, token ? { token } : {})).body;
  }

  it('sends the uploaded bytes to the model, and reads only the run owner’s files', async () => {
    const png = makePng(6, 6);
    const file = (
      await api.request('POST', '/files', {
        raw: png,
        headers: { 'content-type': 'image/png' },
      })
    ).body;
    stub.enqueue({ type: 'text', text: 'A small gradient.' });
    const mine = await run(file.id);
    expect(mine.run.status).toBe('SUCCESS');
    expect(stub.requests[0]?.images).toEqual([
      { mimeType: 'image/png', base64: png.toString('base64') },
    ]);

    stub.reset();
    const bobs = await run(file.id, BOB_TOKEN);
    expect(bobs.run.status).toBe('FAILED');
    const look = bobs.nodeResults.find((r: { nodeId: string }) => r.nodeId === 'look');
    expect(look.error.code).toBe('E_IMAGE_FILE_NOT_FOUND');
    expect(stub.requests).toHaveLength(0);
  });
});
