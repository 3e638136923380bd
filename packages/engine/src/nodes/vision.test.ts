import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode } from '../defineNode';
import { llmContext } from '../providers/context';
import { providerError } from '../providers/errors';
import { createGeminiProvider } from '../providers/gemini';
import { createGroqProvider } from '../providers/groq';
import type { FileLoader, ImageFetcher } from '../providers/images';
import { createProviderSet } from '../providers/providerSet';
import { createRegistry } from '../registry';
import { runWorkflow } from '../run';
import { type LLMStub, startLLMStub } from '../testing/index';
import { builtinNodes } from './index';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const JPEG = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k=';

/** A source of image values, as an upload or a URL field would give them. */
const imageSource = defineNode({
  type: 'image-source',
  label: 'Image',
  category: 'Test',
  inputs: {},
  outputs: { image: { type: 'image' } },
  data: z.object({ url: z.string() }),
  run: ({ data }) => ({ image: data.url }),
});

const registry = createRegistry([...builtinNodes, imageSource]);
let stub: LLMStub;
beforeAll(async () => {
  stub = await startLLMStub();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

function providers() {
  return createProviderSet({
    providers: [createGeminiProvider({ apiKey: 'k', baseUrl: stub.url }), createGroqProvider({ apiKey: 'k', baseUrl: stub.url })],
  });
}

function workflow(urls: string[], data: Record<string, unknown> = {}, prompt?: string) {
  const nodes: { id: string; type: string; data: Record<string, unknown> }[] = urls.map((url, i) => ({ id: `img${i}`, type: 'image-source', data: { url } }));
  const edges = urls.map((_, i) => ({ id: `e${i}`, source: `img${i}`, sourceHandle: 'image', target: 'look', targetHandle: 'image' }));
  nodes.push({ id: 'look', type: 'vision', data: { retryPolicy: { maxAttempts: 1 }, ...data } });
  if (prompt !== undefined) {
    nodes.push({ id: 'ask', type: 'text', data: { text: prompt } });
    edges.push({ id: 'ep', source: 'ask', sourceHandle: 'text', target: 'look', targetHandle: 'prompt' });
  }
  return { nodes, edges };
}

describe('vision node', () => {
  it('sends data-URL images, in edge order, with the default prompt and vision model', async () => {
    stub.enqueue({ type: 'text', text: 'A single pixel.' });
    const result = await runWorkflow(workflow([`data:image/png;base64,${PNG}`, `data:image/jpeg;base64,${JPEG}`], { provider: 'groq' }), {
      registry,
      context: llmContext({ providers: providers() }),
    });
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.look?.output).toEqual({ text: 'A single pixel.' });
    const request = stub.requests[0]!;
    expect(request.images).toEqual([
      { mimeType: 'image/png', base64: PNG },
      { mimeType: 'image/jpeg', base64: JPEG },
    ]);
    expect(request.prompt).toBe('Describe this image in detail.');
    expect(request.model).toBe('meta-llama/llama-4-scout-17b-16e-instruct');
    expect(result.nodes.look?.meta).toMatchObject({ provider: 'groq', model: 'meta-llama/llama-4-scout-17b-16e-instruct', attempts: 1, fallbacks: [] });
  });

  it('uses the prompt input and downloads URL images through the host fetcher', async () => {
    const fetched: string[] = [];
    const fetchImage: ImageFetcher = async (url) => {
      fetched.push(url);
      return { mimeType: 'image/png', base64: PNG };
    };
    const result = await runWorkflow(workflow(['https://images.example.com/cat.png'], { provider: 'gemini' }, 'How many cats?'), {
      registry,
      context: llmContext({ providers: providers(), fetchImage }),
    });
    expect(result.status).toBe('SUCCESS');
    expect(fetched).toEqual(['https://images.example.com/cat.png']);
    expect(stub.requests[0]).toMatchObject({ api: 'gemini', prompt: 'How many cats?', images: [{ mimeType: 'image/png', base64: PNG }] });
  });

  it('refuses URL images when the host has no fetcher, without calling the model', async () => {
    const result = await runWorkflow(workflow(['https://images.example.com/cat.png']), { registry, context: llmContext({ providers: providers() }) });
    expect(result.nodes.look?.error?.code).toBe('E_IMAGE_FETCH_UNAVAILABLE');
    expect(stub.requests).toHaveLength(0);
  });

  it('passes on the fetcher’s SSRF refusal', async () => {
    const fetchImage: ImageFetcher = async () => {
      throw providerError('E_SSRF_BLOCKED', 'The image URL resolves to 169.254.169.254, a link-local address.');
    };
    const result = await runWorkflow(workflow(['http://metadata.internal/latest']), { registry, context: llmContext({ providers: providers(), fetchImage }) });
    expect(result.nodes.look?.error).toMatchObject({ code: 'E_SSRF_BLOCKED', nodeId: 'look' });
    expect(stub.requests).toHaveLength(0);
  });

  it('rejects data URLs that are not pictures, and other schemes', async () => {
    const html = `data:image/png;base64,${btoa('<html><script>alert(1)</script></html>')}`;
    let result = await runWorkflow(workflow([html]), { registry, context: llmContext({ providers: providers() }) });
    expect(result.nodes.look?.error?.code).toBe('E_IMAGE_TYPE');
    result = await runWorkflow(workflow(['file:///etc/passwd']), { registry, context: llmContext({ providers: providers() }) });
    expect(result.nodes.look?.error?.code).toBe('E_IMAGE_INVALID');
    expect(stub.requests).toHaveLength(0);
  });

  it('reads uploaded files through the host file loader as the run owner, never the URL fetcher', async () => {
    const loaded: [string, string | undefined][] = [];
    const loadFile: FileLoader = async (fileId, { userId }) => {
      loaded.push([fileId, userId]);
      return { mimeType: 'image/jpeg', base64: JPEG };
    };
    const fetchImage: ImageFetcher = async () => {
      throw new Error('a file reference reached the URL fetcher');
    };
    const graph = {
      nodes: [
        { id: 'pic', type: 'image', data: { fileId: 'file-1' } },
        { id: 'look', type: 'vision', data: { provider: 'groq', retryPolicy: { maxAttempts: 1 } } },
      ],
      edges: [{ id: 'e', source: 'pic', sourceHandle: 'image', target: 'look', targetHandle: 'image' }],
    };
    const result = await runWorkflow(graph, { registry, context: llmContext({ providers: providers(), fetchImage, loadFile, userId: 'alice' }) });
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.pic?.output).toEqual({ image: 'galaxy-file:file-1' });
    expect(loaded).toEqual([['file-1', 'alice']]);
    expect(stub.requests[0]?.images).toEqual([{ mimeType: 'image/jpeg', base64: JPEG }]);

    stub.reset();
    const refused = await runWorkflow(graph, { registry, context: llmContext({ providers: providers(), fetchImage }) });
    expect(refused.nodes.look?.error?.code).toBe('E_IMAGE_FILE_UNAVAILABLE');
    expect(stub.requests).toHaveLength(0);
  });

  it('trusts the bytes over the declared type', async () => {
    await runWorkflow(workflow([`data:image/gif;base64,${PNG}`]), { registry, context: llmContext({ providers: providers() }) });
    expect(stub.requests[0]?.images[0]?.mimeType).toBe('image/png');
  });
});
