import { describe, expect, it } from 'vitest';
import { builtinNodes } from '../nodes/index';
import { parseJsonPath, pickJsonPath } from '../nodes/json';
import { renderTemplate, templateVariables } from '../nodes/template';
import { createRegistry } from '../registry';
import { runWorkflow } from '../run';
import { validateWorkflow } from '../validate';
import type { WorkflowInput } from '../schema';

const registry = createRegistry(builtinNodes);

function chain(text: string, json: Record<string, unknown>): WorkflowInput {
  return {
    nodes: [
      { id: 'in', type: 'text', data: { text } },
      { id: 'j', type: 'json', data: json },
      { id: 'out', type: 'debug' },
    ],
    edges: [
      { id: 'e1', source: 'in', sourceHandle: 'text', target: 'j', targetHandle: 'value' },
      { id: 'e2', source: 'j', sourceHandle: 'json', target: 'out', targetHandle: 'value' },
    ],
  };
}

describe('template', () => {
  it('lists each placeholder once, in order, ignoring unsafe names', () => {
    expect(templateVariables('{{b}} {{ a }} {{b}} {{__proto__}} {{constructor}} {{1x}}')).toEqual(['b', 'a']);
  });

  it('substitutes values without evaluating them or expanding placeholders twice', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${…} proves values are never evaluated
    expect(renderTemplate('Hi {{name}}! {{missing}}', { name: '{{missing}} ${process.exit()}' })).toBe('Hi {{missing}} ${process.exit()}! {{missing}}');
    expect(renderTemplate('{{list}} {{obj}}', { list: ['a', 'b'], obj: { k: 1 } })).toBe('a\nb {"k":1}');
  });

  it('runs in a workflow with one input per placeholder', async () => {
    const result = await runWorkflow(
      {
        nodes: [
          { id: 'who', type: 'text', data: { text: 'Ada' } },
          { id: 't', type: 'template', data: { template: 'Dear {{name}}, welcome.' } },
        ],
        edges: [{ id: 'e', source: 'who', sourceHandle: 'text', target: 't', targetHandle: 'name' }],
      },
      { registry },
    );
    expect(result.nodes.t!.output).toEqual({ text: 'Dear Ada, welcome.' });
  });
});

describe('json', () => {
  it('parses text into JSON', async () => {
    const result = await runWorkflow(chain('{"a":[1,{"b":"deep"}]}', { mode: 'parse' }), { registry });
    expect(result.nodes.out!.output).toEqual({ value: { a: [1, { b: 'deep' }] } });
  });

  it('picks a value by path', async () => {
    const result = await runWorkflow(chain('{"a":[1,{"b":"deep"}]}', { mode: 'pick', path: 'a[1].b' }), { registry });
    expect(result.nodes.j!.output).toEqual({ json: 'deep', text: 'deep' });
  });

  it('fails with a clear message on invalid JSON or a missing path', async () => {
    const bad = await runWorkflow(chain('{nope', { mode: 'parse' }), { registry });
    expect(bad.nodes.j).toMatchObject({ status: 'FAILED', error: { message: expect.stringContaining('not valid JSON') } });
    expect(bad.nodes.out!.status).toBe('CANCELED');
    const missing = await runWorkflow(chain('{"a":1}', { mode: 'pick', path: 'b.c' }), { registry, failureMode: 'fail_safe' });
    expect(missing.nodes.j!.error!.message).toBe('Nothing at path "b.c" in the input.');
    expect(missing.nodes.out!.status).toBe('SKIPPED');
  });

  it('never walks into prototypes', () => {
    expect(pickJsonPath({ a: 1 }, 'constructor.prototype')).toBeUndefined();
    expect(pickJsonPath({ a: 1 }, '__proto__')).toBeUndefined();
    expect(pickJsonPath({ a: 1 }, 'toString')).toBeUndefined();
    expect(pickJsonPath({ 'b.c': 2 }, 'a["b.c"]')).toBeUndefined();
    expect(pickJsonPath({ a: { 'b.c': 2 } }, 'a["b.c"]')).toBe(2);
    expect(parseJsonPath('$.items[0].name')).toEqual(['items', 0, 'name']);
    expect(() => parseJsonPath('a..b')).toThrow(/character 2/);
  });
});

describe('text and debug', () => {
  it('debug passes its input through and logs a bounded preview', async () => {
    const long = 'x'.repeat(20_000);
    const result = await runWorkflow(
      {
        nodes: [
          { id: 't', type: 'text', data: { text: long } },
          { id: 'd', type: 'debug' },
        ],
        edges: [{ id: 'e', source: 't', sourceHandle: 'text', target: 'd', targetHandle: 'value' }],
      },
      { registry },
    );
    expect(result.nodes.d!.output).toEqual({ value: long });
    const line = result.logs.find((l) => l.nodeId === 'd')!;
    expect(line.message.length).toBeLessThan(10_100);
    expect(line.message).toMatch(/\(20000 chars\)$/);
    expect(line.data).toEqual({ type: 'string', length: 20_000 });
  });
});

describe('image', () => {
  const one = (url: string) => ({ nodes: [{ id: 'i', type: 'image', data: { url } }], edges: [] });

  it('passes an https or data: URL on as an image', async () => {
    const result = await runWorkflow(one('data:image/png;base64,iVBORw0KGgo='), { registry });
    expect(result.nodes.i!.output).toEqual({ image: 'data:image/png;base64,iVBORw0KGgo=' });
  });

  it('tells the user what to set when the URL is missing or not an image URL', () => {
    const missing = validateWorkflow(one(''), registry);
    expect(missing.issues).toEqual([expect.objectContaining({ code: 'E_INVALID_DATA', nodeId: 'i', message: expect.stringContaining('Set the image') })]);
    const script = validateWorkflow(one('javascript:alert(1)'), registry);
    expect(script.issues[0]).toMatchObject({ code: 'E_INVALID_DATA', message: expect.stringContaining('https://') });
    expect(validateWorkflow(one('https://example.com/cat.png'), registry).ok).toBe(true);
  });

  it('passes an uploaded file on as a file reference, with or without a URL', async () => {
    const file = { nodes: [{ id: 'i', type: 'image', data: { fileId: 'f-1' } }], edges: [] };
    expect(validateWorkflow(file, registry).ok).toBe(true);
    const result = await runWorkflow(file, { registry });
    expect(result.nodes.i!.output).toEqual({ image: 'galaxy-file:f-1' });
  });
});
