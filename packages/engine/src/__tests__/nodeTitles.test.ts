import { describe, expect, it } from 'vitest';
import { builtinNodes } from '../nodes/index';
import { createRegistry } from '../registry';
import { runWorkflow } from '../run';
import { validateWorkflow } from '../validate';

const registry = createRegistry(builtinNodes);

describe('messages name nodes by title, never by id', () => {
  it('validation names the node by its label, or its type when unlabeled, and keeps the id in nodeId', () => {
    const { issues } = validateWorkflow(
      {
        nodes: [
          { id: 'n_h2irskfjpj', type: 'llm', data: { label: 'Summarize' } },
          { id: 'n_q8d0x1mzvw', type: 'debug', data: {} },
        ],
        edges: [],
      },
      registry,
    );
    const missing = issues.filter((issue) => issue.code === 'E_MISSING_INPUT');
    expect(missing.map((issue) => [issue.nodeId, issue.message])).toEqual([
      ['n_h2irskfjpj', '"Summarize" needs its "Prompt" input connected.'],
      ['n_q8d0x1mzvw', '"Debug" needs its "Value" input connected.'],
    ]);
    expect(issues.map((issue) => issue.message).join(' ')).not.toMatch(/n_[a-z0-9]{10}/);
  });

  it('run logs and skip reasons name the failed node by its title', async () => {
    const result = await runWorkflow(
      {
        nodes: [
          { id: 'n_src', type: 'text', data: { label: 'Question', text: 'hi' } },
          {
            id: 'n_ask',
            type: 'llm',
            data: { label: 'Answer', provider: 'groq', failureMode: 'fail_safe' },
          },
          { id: 'n_show', type: 'debug', data: { label: 'Show' } },
        ],
        edges: [
          {
            id: 'e1',
            source: 'n_src',
            sourceHandle: 'text',
            target: 'n_ask',
            targetHandle: 'prompt',
          },
          {
            id: 'e2',
            source: 'n_ask',
            sourceHandle: 'text',
            target: 'n_show',
            targetHandle: 'value',
          },
        ],
      },
      { registry },
    );
    expect(result.nodes.n_show?.error?.message).toBe('Skipped because "Answer" failed.');
    const failure = result.logs.find((entry) => entry.level === 'error');
    expect(failure?.message).toMatch(/^"Answer" failed: /);
    expect(failure?.nodeId).toBe('n_ask');
  });
});
