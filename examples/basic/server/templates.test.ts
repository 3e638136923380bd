import { builtinNodes, createProvidersFromEnv, createRegistry, llmContext, runWorkflow, validateWorkflow } from '@galaxyflow/engine';
import { geminiFromEnv } from '@galaxyflow/engine/providers/gemini';
import { openaiCompatibleFromEnv } from '@galaxyflow/engine/providers/openai-compatible';
import { startLLMStub } from '@galaxyflow/engine/testing';
import { describe, expect, it } from 'vitest';
import { templates } from '../src/templates';

const registry = createRegistry(builtinNodes);

describe('starter templates', () => {
  it.each(templates.map((t) => [t.name, t] as const))('"%s" is a valid workflow', (_name, template) => {
    expect(validateWorkflow(template.workflow, registry).issues).toEqual([]);
  });

  it('the no-key template runs to the picked value with no provider configured', async () => {
    const template = templates.find((t) => !t.needsProvider)!;
    const result = await runWorkflow(template.workflow, { registry });
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.show!.output).toEqual({ value: 'sunny' });
  });

  it('an LLM template without a provider fails naming the variable to set', async () => {
    const template = templates.find((t) => t.id === 'summarize')!;
    const result = await runWorkflow(template.workflow, { registry, failureMode: 'fail_safe' });
    expect(result.nodes.summarize).toMatchObject({ status: 'FAILED', error: { message: expect.stringContaining('GEMINI_API_KEY') } });
    expect(result.nodes.show!.status).toBe('SKIPPED');
  });

  it('the LLM template runs on the only provider the server has (no Gemini key needed)', async () => {
    const stub = await startLLMStub();
    try {
      stub.enqueue({ type: 'text', text: '- one\n- two\n- three' });
      const providers = createProvidersFromEnv({ OPENAI_COMPATIBLE_BASE_URL: `${stub.url}/v1` }, [geminiFromEnv, openaiCompatibleFromEnv]);
      const template = templates.find((t) => t.id === 'summarize')!;
      const result = await runWorkflow(template.workflow, { registry, context: llmContext({ providers }) });
      expect(result.status).toBe('SUCCESS');
      expect(result.nodes.show!.output).toEqual({ value: '- one\n- two\n- three' });
      expect(stub.requests[0]?.api).toBe('openai');
    } finally {
      await stub.close();
    }
  });

  it('the extraction template wires schema fields into its card', async () => {
    const stub = await startLLMStub();
    try {
      stub.enqueue({ type: 'json', value: { summary: 'Fast, weak battery.', score: 4, complaints: ['battery'] } });
      const providers = createProvidersFromEnv({ OPENAI_COMPATIBLE_BASE_URL: `${stub.url}/v1` }, [geminiFromEnv, openaiCompatibleFromEnv]);
      const template = templates.find((t) => t.id === 'extract-fields')!;
      const result = await runWorkflow(template.workflow, { registry, context: llmContext({ providers }) });
      expect(result.status).toBe('SUCCESS');
      expect(result.nodes.show!.output).toEqual({ value: '4/5: Fast, weak battery.' });
      expect(stub.requests[0]?.responseFormat).toMatchObject({ type: 'json_schema', schema: { required: ['summary', 'score'] } });
    } finally {
      await stub.close();
    }
  });
});
