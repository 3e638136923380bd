import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GalaxyError, toErrorInfo } from '../errors';
import { builtinNodes } from '../nodes/index';
import { redactUrls, withoutUrls } from '../redact';
import { createRegistry } from '../registry';
import { runWorkflow } from '../run';
import { type LLMStub, startLLMStub } from '../testing/index';
import type { RunEvent } from '../types';
import { llmContext } from './context';
import { createProvidersFromEnv } from './env';
import { createGeminiProvider, geminiFromEnv } from './gemini';
import { createGroqProvider, groqFromEnv } from './groq';
import { createOpenAICompatibleProvider, openaiCompatibleFromEnv } from './openaiCompatible';
import { createProviderSet } from './providerSet';
import type { LLMProvider } from './types';

const FACTORIES = [geminiFromEnv, groqFromEnv, openaiCompatibleFromEnv];

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('credentials in base URLs', () => {
  it('are refused at start-up, naming the variable and the key variable to use instead', () => {
    const cases = [
      {
        env: { OPENAI_COMPATIBLE_BASE_URL: 'http://user:SECRET@10.0.0.5:8000/v1' },
        variable: 'OPENAI_COMPATIBLE_BASE_URL',
        key: 'OPENAI_COMPATIBLE_API_KEY',
      },
      {
        env: { GEMINI_API_KEY: 'k', GEMINI_BASE_URL: 'https://SECRET@gemini.internal' },
        variable: 'GEMINI_BASE_URL',
        key: 'GEMINI_API_KEY',
      },
      {
        env: { GROQ_API_KEY: 'k', GROQ_BASE_URL: 'https://:SECRET@groq.internal' },
        variable: 'GROQ_BASE_URL',
        key: 'GROQ_API_KEY',
      },
    ];
    for (const { env, variable, key } of cases) {
      let thrown: unknown;
      try {
        createProvidersFromEnv(env, FACTORIES);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, variable).toBeInstanceOf(GalaxyError);
      expect(thrown).toMatchObject({
        code: 'E_PROVIDER_NOT_CONFIGURED',
        details: { env: variable },
      });
      const message = (thrown as GalaxyError).message;
      expect(message).toContain(variable);
      expect(message).toContain(key);
      expect(JSON.stringify(toErrorInfo(thrown))).not.toContain('SECRET');
    }
  });

  it('lets a base URL without them through', () => {
    const providers = createProvidersFromEnv(
      { OPENAI_COMPATIBLE_BASE_URL: 'http://10.0.0.5:8000/v1', OPENAI_COMPATIBLE_API_KEY: 'k' },
      FACTORIES,
    );
    expect(providers.names).toEqual(['openai-compatible']);
  });
});

describe('errors that leave the engine', () => {
  const registry = createRegistry(builtinNodes);
  let stub: LLMStub;
  beforeAll(async () => {
    stub = await startLLMStub();
  });
  afterAll(() => stub.close());
  beforeEach(() => stub.reset());

  /** Runs one LLM node on `provider` and returns everything the run hands out, serialized. */
  async function failedRun(
    provider: LLMProvider,
    model?: string,
  ): Promise<{ code: string | undefined; message: string; everything: string }> {
    const events: RunEvent[] = [];
    const providers = createProviderSet({
      providers: [provider],
      resilience: { retry: { maxAttempts: 1 } },
    });
    const result = await runWorkflow(
      {
        nodes: [
          { id: 'q', type: 'text', data: { text: 'hi' } },
          {
            id: 'ask',
            type: 'llm',
            data: { provider: provider.name, ...(model ? { model } : {}) },
          },
        ],
        edges: [
          { id: 'e', source: 'q', sourceHandle: 'text', target: 'ask', targetHandle: 'prompt' },
        ],
      },
      { registry, context: llmContext({ providers }), onEvent: (event) => events.push(event) },
    );
    expect(result.status).toBe('FAILED');
    const error = result.nodes.ask?.error;
    return {
      code: error?.code,
      message: error?.message ?? '',
      everything: JSON.stringify({ result, events }),
    };
  }

  it('carry neither the secret nor the base URL of the OpenAI-compatible server', async () => {
    const port = await closedPort();
    const attempts = [
      // fetch refuses a URL with credentials, quoting it in its own error.
      createOpenAICompatibleProvider({
        baseUrl: `http://user:SECRET@127.0.0.1:${stub.port}/v1?token=QSECRET`,
      }),
      // Nothing listens there.
      createOpenAICompatibleProvider({ baseUrl: `http://127.0.0.1:${port}/v1?token=QSECRET` }),
      // The stub has no route there.
      createOpenAICompatibleProvider({
        baseUrl: `${stub.url}/internal/chat/completions?token=QSECRET`,
      }),
    ];
    for (const provider of attempts) {
      const { code, message, everything } = await failedRun(provider);
      expect(code).toMatch(/^E_PROVIDER_/);
      expect(message).toMatch(/the OpenAI-compatible server/);
      for (const leak of [
        'SECRET',
        `127.0.0.1:${stub.port}`,
        `127.0.0.1:${port}`,
        'internal/chat',
      ]) {
        expect(everything, `${message} leaks ${leak}`).not.toContain(leak);
      }
    }
  });

  it('do not carry the base URL of Gemini or Groq either', async () => {
    const port = await closedPort();
    const base = `http://127.0.0.1:${port}`;
    for (const provider of [
      createGeminiProvider({ apiKey: 'k', baseUrl: base }),
      createGroqProvider({ apiKey: 'k', baseUrl: base }),
    ]) {
      const { code, message, everything } = await failedRun(provider);
      expect(code, message).toBe('E_PROVIDER_UNAVAILABLE');
      expect(message).toMatch(/^Could not reach (Gemini|Groq): (connection refused|fetch failed)/);
      expect(everything).not.toContain(`127.0.0.1:${port}`);
    }
  });

  it('have user names, passwords, queries and fragments of any URL redacted', async () => {
    const thrower = {
      ...builtinNodes.find((node) => node.type === 'text')!,
      type: 'thrower',
      run: () => {
        throw new GalaxyError(
          'E_NODE_FAILED',
          'Upstream http://bob:SECRET@10.0.0.1/hook?key=QSECRET#tok failed.',
          {
            details: {
              url: 'https://x:SECRET@h.example/p?sig=QSECRET',
              nested: [{ at: 'ftp://SECRET@files/x' }],
            },
          },
        );
      },
    };
    const result = await runWorkflow(
      { nodes: [{ id: 't', type: 'thrower' }], edges: [] },
      { registry: createRegistry([...builtinNodes, thrower]) },
    );
    const error = result.nodes.t?.error;
    expect(error?.message).toBe('Upstream http://***@10.0.0.1/hook?***#*** failed.');
    expect(error?.details).toEqual({
      url: 'https://***@h.example/p?***',
      nested: [{ at: 'ftp://***@files/x' }],
    });
    expect(JSON.stringify(result)).not.toContain('SECRET');
  });

  it('redacts without touching text that has no secret', () => {
    expect(redactUrls('See https://example.com/docs/page, then retry.')).toBe(
      'See https://example.com/docs/page, then retry.',
    );
    expect(redactUrls('no url here')).toBe('no url here');
    expect(
      withoutUrls(
        'Error fetching from http://10.0.0.1/v1/x:run?alt=sse: fetch failed',
        'its address',
      ),
    ).toBe('Error fetching from its address: fetch failed');
    expect(redactUrls('http://a:b@c@host:1/x y')).toBe('http://***@host:1/x y');
  });
});
