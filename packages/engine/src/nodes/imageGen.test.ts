import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { llmContext } from '../providers/context';
import { createGeminiProvider } from '../providers/gemini';
import { createGroqProvider } from '../providers/groq';
import {
  base64ToBytes,
  fileIdOf,
  type FileSaver,
  type FileToSave,
  sniffImageType,
} from '../providers/images';
import { createOpenAICompatibleProvider } from '../providers/openaiCompatible';
import { createProviderSet } from '../providers/providerSet';
import { createRegistry } from '../registry';
import { runWorkflow } from '../run';
import { type LLMStub, startLLMStub } from '../testing/index';
import { validateWorkflow } from '../validate';
import { builtinNodes } from './index';

const registry = createRegistry(builtinNodes);
let stub: LLMStub;
beforeAll(async () => {
  stub = await startLLMStub();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

function providers() {
  return createProviderSet({
    providers: [
      createGroqProvider({ apiKey: 'k', baseUrl: stub.url }),
      createGeminiProvider({ apiKey: 'k', baseUrl: stub.url }),
      createOpenAICompatibleProvider({ baseUrl: stub.url, name: 'local' }),
    ],
    resilience: { retry: { maxAttempts: 1 } },
  });
}

function workflow(data: Record<string, unknown>, prompt = 'a red fox') {
  return {
    nodes: [
      { id: 'ask', type: 'text', data: { text: prompt } },
      { id: 'draw', type: 'image-gen', data: { retryPolicy: { maxAttempts: 1 }, ...data } },
    ],
    edges: [
      { id: 'e', source: 'ask', sourceHandle: 'text', target: 'draw', targetHandle: 'prompt' },
    ],
  };
}

/** A saver that keeps files in memory, as a host's would keep them in its blob store. */
function memorySaver() {
  const saved: (FileToSave & {
    id: string;
    userId: string | undefined;
    runId: string | undefined;
  })[] = [];
  const saveFile: FileSaver = async (file, { userId, runId }) => {
    const id = `f${saved.length + 1}`;
    saved.push({ ...file, id, userId, runId });
    return `galaxy-file:${id}`;
  };
  return { saved, saveFile };
}

describe('image generation node', () => {
  it('draws with a Gemini image model and stores each image as a file of the run owner', async () => {
    const { saved, saveFile } = memorySaver();
    const result = await runWorkflow(workflow({ provider: 'gemini', count: 2, size: '1024x768' }), {
      registry,
      context: llmContext({ providers: providers(), saveFile, userId: 'ann', runId: 'run-1' }),
    });
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.draw?.output).toEqual({
      image: 'galaxy-file:f1',
      images: ['galaxy-file:f1', 'galaxy-file:f2'],
    });
    expect(saved.map((f) => [f.userId, f.runId, f.name, f.mimeType])).toEqual([
      ['ann', 'run-1', 'generated-1.png', 'image/png'],
      ['ann', 'run-1', 'generated-2.png', 'image/png'],
    ]);
    expect(sniffImageType(saved[0]!.bytes)).toBe('image/png');
    // Gemini's image models draw one image per call.
    expect(stub.requests).toHaveLength(2);
    const request = stub.requests[0]!;
    expect(request).toMatchObject({
      api: 'gemini',
      kind: 'image',
      model: 'gemini-2.5-flash-image',
      prompt: 'a red fox',
    });
    expect(request.body).toMatchObject({
      generationConfig: {
        responseModalities: ['TEXT', 'IMAGE'],
        imageConfig: { aspectRatio: '4:3' },
      },
    });
    expect(result.nodes.draw?.meta).toMatchObject({
      provider: 'gemini',
      model: 'gemini-2.5-flash-image',
      images: 2,
    });
  });

  it("asks an OpenAI-compatible server's /images/generations for every image in one call", async () => {
    const { saved, saveFile } = memorySaver();
    const result = await runWorkflow(
      workflow({ provider: 'local', model: 'gpt-image-1', count: 3, size: '512x512' }),
      {
        registry,
        context: llmContext({ providers: providers(), saveFile, userId: 'ann' }),
      },
    );
    expect(result.status).toBe('SUCCESS');
    expect(
      (result.nodes.draw!.output as { images: string[] }).images.map((v) => fileIdOf(v)),
    ).toEqual(['f1', 'f2', 'f3']);
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]).toMatchObject({
      path: '/v1/images/generations',
      kind: 'image',
      prompt: 'a red fox',
    });
    expect(stub.requests[0]!.body).toEqual({
      model: 'gpt-image-1',
      prompt: 'a red fox',
      n: 3,
      size: '512x512',
      response_format: 'b64_json',
    });
    expect(sniffImageType(saved[2]!.bytes)).toBe('image/png');
  });

  it('without a file saver (a browser-only host) hands on data URLs', async () => {
    const result = await runWorkflow(workflow({ provider: 'gemini' }), {
      registry,
      context: llmContext({ providers: providers() }),
    });
    expect(result.status).toBe('SUCCESS');
    const image = (result.nodes.draw!.output as { image: string }).image;
    expect(image).toMatch(/^data:image\/png;base64,/);
    expect(sniffImageType(base64ToBytes(image.split(',')[1]!))).toBe('image/png');
  });

  it('names the type the bytes show when the server sends a JPEG', async () => {
    const jpeg = Uint8Array.from(
      atob(
        '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k=',
      ),
      (c) => c.charCodeAt(0),
    );
    const jpegStub = await startLLMStub({ image: jpeg });
    try {
      const set = createProviderSet({
        providers: [createOpenAICompatibleProvider({ baseUrl: jpegStub.url })],
      });
      const result = await runWorkflow(workflow({}), {
        registry,
        context: llmContext({ providers: set }),
      });
      expect((result.nodes.draw!.output as { image: string }).image).toMatch(
        /^data:image\/jpeg;base64,\/9j\//,
      );
    } finally {
      await jpegStub.close();
    }
  });

  it('"Server default" takes the first provider that can draw, passing over one that cannot', async () => {
    const result = await runWorkflow(workflow({}), {
      registry,
      context: llmContext({ providers: providers() }),
    });
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.draw?.meta).toMatchObject({ provider: 'gemini' });
  });

  it('refuses a provider without image generation before any call, saying what to pick', async () => {
    const result = await runWorkflow(workflow({ provider: 'groq' }), {
      registry,
      context: llmContext({ providers: providers() }),
    });
    expect(result.status).toBe('FAILED');
    expect(result.nodes.draw?.error).toMatchObject({ code: 'E_PROVIDER_NO_IMAGE_GENERATION' });
    expect(result.nodes.draw?.error?.message).toContain('Groq cannot generate images');
    expect(stub.requests).toHaveLength(0);
  });

  it('refuses a server whose providers all cannot draw, naming them', async () => {
    const onlyGroq = createProviderSet({
      providers: [createGroqProvider({ apiKey: 'k', baseUrl: stub.url })],
    });
    const result = await runWorkflow(workflow({}), {
      registry,
      context: llmContext({ providers: onlyGroq }),
    });
    expect(result.nodes.draw?.error).toMatchObject({ code: 'E_PROVIDER_NO_IMAGE_GENERATION' });
    expect(result.nodes.draw?.error?.message).toContain('(groq)');
    expect(stub.requests).toHaveLength(0);
  });

  it("retries a failed image call under the provider set's guards, and logs it", async () => {
    stub.enqueue({ type: 'error', status: 503, message: 'overloaded' });
    const set = createProviderSet({
      providers: [createOpenAICompatibleProvider({ baseUrl: stub.url })],
      resilience: { retry: { maxAttempts: 2, backoffMs: 1, jitter: false } },
    });
    const result = await runWorkflow(workflow({}), {
      registry,
      context: llmContext({ providers: set }),
    });
    expect(result.status).toBe('SUCCESS');
    expect(stub.requests).toHaveLength(2);
    expect(result.nodes.draw?.meta).toMatchObject({ provider: 'openai-compatible', attempts: 2 });
    expect(result.logs.map((entry) => entry.message).join('\n')).toContain(
      'attempt 1 failed (E_PROVIDER_UNAVAILABLE); retrying',
    );
  });

  it('reports the provider refusing the request as a typed error', async () => {
    stub.enqueue({
      type: 'error',
      status: 400,
      message: 'Your prompt was rejected by the safety system.',
    });
    const result = await runWorkflow(workflow({ provider: 'local' }), {
      registry,
      context: llmContext({ providers: providers() }),
    });
    expect(result.nodes.draw?.error).toMatchObject({ code: 'E_PROVIDER_BAD_REQUEST' });
    expect(result.nodes.draw?.error?.message).toContain('safety system');
  });

  it.each([
    [{ count: 0 }, 'count', 'Count must be a whole number from 1 to 4.'],
    [{ count: 5 }, 'count', 'Count must be a whole number from 1 to 4.'],
    [{ count: 1.5 }, 'count', 'Count must be a whole number from 1 to 4.'],
    [{ count: '2' }, 'count', 'Count must be a whole number from 1 to 4.'],
    [{ size: 'big' }, 'size', 'Size must be WIDTHxHEIGHT'],
    [{ size: '10x10' }, 'size', 'each side 64 to 4096'],
  ])('refuses %j before the run with E_INVALID_DATA on the field', (data, field, message) => {
    const issues = validateWorkflow(workflow(data), registry).issues;
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'E_INVALID_DATA',
        nodeId: 'draw',
        path: ['nodes', 1, 'data', field],
      }),
    ]);
    expect(issues[0]!.message).toContain(message);
  });

  it('refuses a Gemini size with no matching aspect ratio, before any call', async () => {
    const result = await runWorkflow(workflow({ provider: 'gemini', size: '1000x300' }), {
      registry,
      context: llmContext({ providers: providers() }),
    });
    expect(result.nodes.draw?.error).toMatchObject({ code: 'E_PROVIDER_BAD_REQUEST' });
    expect(result.nodes.draw?.error?.message).toContain('16:9');
    expect(stub.requests).toHaveLength(0);
  });
});
