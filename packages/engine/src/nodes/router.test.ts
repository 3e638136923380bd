import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outputPortsOf } from '../defineNode';
import { llmContext } from '../providers/context';
import { createProvidersFromEnv } from '../providers/env';
import { geminiFromEnv } from '../providers/gemini';
import { groqFromEnv } from '../providers/groq';
import { openaiCompatibleFromEnv } from '../providers/openaiCompatible';
import { createRegistry } from '../registry';
import { runWorkflow, startRun } from '../run';
import { type LLMStub, startLLMStub } from '../testing/index';
import { builtinNodes } from './index';
import { llmRouterNode } from './router';

const registry = createRegistry(builtinNodes);
let stub: LLMStub;
beforeAll(async () => {
  stub = await startLLMStub();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

const context = () =>
  llmContext({
    providers: createProvidersFromEnv(
      {
        GEMINI_API_KEY: 'test',
        GEMINI_BASE_URL: stub.url,
        GROQ_API_KEY: 'test',
        GROQ_BASE_URL: stub.url,
        OPENAI_COMPATIBLE_BASE_URL: `${stub.url}/v1`,
      },
      [geminiFromEnv, groqFromEnv, openaiCompatibleFromEnv],
    ),
  });

const routes = [
  { name: 'billing', description: 'Invoices, refunds, payment problems.' },
  { name: 'bug', description: 'Something in the product is broken.' },
  { name: 'other', description: 'Anything else.' },
];

function workflow(data: Record<string, unknown> = {}) {
  return {
    nodes: [
      { id: 'ticket', type: 'text', data: { text: 'I was charged twice this month.' } },
      { id: 'triage', type: 'llm-router', data: { routes, ...data } },
    ],
    edges: [
      { id: 'e1', source: 'ticket', sourceHandle: 'text', target: 'triage', targetHandle: 'input' },
    ],
  };
}

describe('llm-router node', () => {
  it('has one output per route', () => {
    expect(outputPortsOf(llmRouterNode, { routes })).toEqual({
      billing: {
        type: 'any',
        label: 'billing',
        description: 'Invoices, refunds, payment problems.',
      },
      bug: { type: 'any', label: 'bug', description: 'Something in the product is broken.' },
      other: { type: 'any', label: 'other', description: 'Anything else.' },
    });
  });

  it.each(['groq', 'gemini', 'openai-compatible'])(
    'sets only the route %s chose, passing the input through, with the reason in meta and log',
    async (provider) => {
      stub.enqueue({
        type: 'json',
        value: { route: 'billing', reason: 'A double charge is a payment problem.' },
      });
      const result = await runWorkflow(workflow({ provider }), { registry, context: context() });
      expect(result.status).toBe('SUCCESS');
      expect(result.nodes.triage?.output).toEqual({ billing: 'I was charged twice this month.' });
      expect(result.nodes.triage?.meta).toMatchObject({
        route: 'billing',
        reason: 'A double charge is a payment problem.',
        provider,
      });
      expect(
        result.logs.find((line) => line.nodeId === 'triage' && line.message.startsWith('Routed to'))
          ?.message,
      ).toBe('Routed to "billing": A double charge is a payment problem.');
      const request = stub.requests[0]!;
      expect(request.prompt).toBe('I was charged twice this month.');
      expect(request.system).toContain('- bug: Something in the product is broken.');
      if (provider === 'groq') expect(request.responseFormat).toEqual({ type: 'json_object' });
      else {
        expect(request.responseFormat).toMatchObject({
          type: 'json_schema',
          schema: { properties: { route: { type: 'string', enum: ['billing', 'bug', 'other'] } } },
        });
      }
    },
  );

  it('asks once more when the model names a route that does not exist', async () => {
    stub.enqueue(
      { type: 'json', value: { route: 'payments', reason: 'Money.' } },
      { type: 'json', value: { route: 'billing', reason: 'Money.' } },
    );
    const result = await runWorkflow(workflow({ provider: 'groq' }), {
      registry,
      context: context(),
    });
    expect(result.nodes.triage?.output).toEqual({ billing: 'I was charged twice this month.' });
    expect(result.nodes.triage?.meta).toMatchObject({ route: 'billing', repairs: 1 });
    expect(stub.requests[1]?.prompt).toContain(
      'route: Invalid option: expected one of "billing"|"bug"|"other"',
    );
  });

  it('fails with a typed error when the repaired answer still names no route', async () => {
    stub.enqueue(
      { type: 'json', value: { route: 'payments' } },
      { type: 'json', value: { route: 'money', reason: 'x' } },
    );
    const result = await runWorkflow(workflow({ provider: 'gemini' }), {
      registry,
      context: context(),
    });
    expect(result.nodes.triage).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      error: { code: 'E_ROUTER_INVALID_ROUTE', retryable: false },
    });
    expect(result.nodes.triage?.error?.message).toContain('billing, bug, other');
    expect(result.nodes.triage?.output).toBeUndefined();
    expect(stub.requests).toHaveLength(2);
  });

  it('refuses route names that cannot name an output, and duplicates, before running', () => {
    expect(() =>
      startRun(workflow({ routes: [{ name: 'a b' }, { name: 'c' }] }), { registry }),
    ).toThrow(/must be an identifier/);
    expect(() =>
      startRun(workflow({ routes: [{ name: 'a' }, { name: 'a' }] }), { registry }),
    ).toThrow(/Two routes are named "a"/);
    expect(() => startRun(workflow({ routes: [{ name: 'only' }] }), { registry })).toThrow(
      /at least two routes/,
    );
  });
});
