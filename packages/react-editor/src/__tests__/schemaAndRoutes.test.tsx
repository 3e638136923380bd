import type { Workflow } from '@galaxyflow/engine';
import { render, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { WorkflowEditor } from '../components/WorkflowEditor';
import { nodeElement, registry, settingsOf } from './kit';

function renderWorkflow(workflow: Workflow) {
  const user = userEvent.setup();
  const onChange = vi.fn<(workflow: Workflow) => void>();
  const result = render(
    <WorkflowEditor
      registry={registry}
      theme="light"
      style={{ width: '1000px', height: '700px' }}
      initialWorkflow={workflow}
      onChange={onChange}
    />,
  );
  const dataOf = (id: string) =>
    onChange.mock.lastCall![0].nodes.find((node) => node.id === id)!.data;
  const handles = (id: string) =>
    [...nodeElement(result.container, id).querySelectorAll('.react-flow__handle.source')].map(
      (el) => el.getAttribute('data-handleid'),
    );
  return { user, onChange, dataOf, handles, ...result };
}

describe('schema builder (LLM structured output)', () => {
  const llm: Workflow = {
    nodes: [{ id: 'ask', type: 'llm', position: { x: 0, y: 0 }, data: { jsonMode: true } }],
    edges: [],
  };

  it('builds the schema from fields, and each field becomes an output of the node', async () => {
    const { user, container, dataOf, handles } = renderWorkflow(llm);
    const node = within(await waitFor(() => settingsOf(container, 'ask')));
    const schema = within(node.getByRole('group', { name: 'Output schema' }));
    await user.click(schema.getByRole('button', { name: 'Add field' }));
    await user.type(schema.getByRole('textbox', { name: 'Field 1 name' }), 'title');
    await user.type(schema.getByRole('textbox', { name: 'Field 1 description' }), 'A headline');
    await user.click(schema.getByRole('button', { name: 'Add field' }));
    await user.type(schema.getByRole('textbox', { name: 'Field 2 name' }), 'score');
    await user.selectOptions(schema.getByRole('combobox', { name: 'Field 2 type' }), 'integer');
    await user.click(schema.getByRole('checkbox', { name: 'Field 2 required' }));

    expect(dataOf('ask').jsonSchema).toEqual({
      type: 'object',
      properties: {
        title: { type: 'string', description: 'A headline' },
        score: { type: 'integer' },
      },
      required: ['title'],
    });
    await waitFor(() => expect(handles('ask')).toEqual(['text', 'json', 'title', 'score']));
  });

  it('flags a field name that cannot be an output, and a duplicate', async () => {
    const { user, container } = renderWorkflow(llm);
    const schema = within(
      within(await waitFor(() => settingsOf(container, 'ask'))).getByRole('group', {
        name: 'Output schema',
      }),
    );
    await user.click(schema.getByRole('button', { name: 'Add field' }));
    await user.type(schema.getByRole('textbox', { name: 'Field 1 name' }), 'first name');
    expect(schema.getByText(/gets no output of its own/)).toBeInTheDocument();
    await user.click(schema.getByRole('button', { name: 'Add field' }));
    await user.type(schema.getByRole('textbox', { name: 'Field 2 name' }), 'first name');
    expect(schema.getByText('Two fields are named "first name".')).toBeInTheDocument();
  });

  it('edits the schema as JSON with a validation message, keeping the last good schema meanwhile', async () => {
    const { user, container, onChange, dataOf } = renderWorkflow(llm);
    const schema = within(
      within(await waitFor(() => settingsOf(container, 'ask'))).getByRole('group', {
        name: 'Output schema',
      }),
    );
    await user.click(schema.getByRole('button', { name: 'JSON' }));
    const text = schema.getByRole('textbox', { name: 'Output schema as JSON' });
    await user.type(text, '{{"type": "bogus"}');
    expect(
      schema.getByText(/Not a usable JSON Schema: Unsupported type: bogus/),
    ).toBeInTheDocument();
    expect(text).toHaveAttribute('aria-invalid', 'true');
    // Every keystroke before was invalid JSON or an unusable schema: nothing was written.
    expect(onChange).not.toHaveBeenCalled();
    await user.clear(text);
    await user.type(
      text,
      '{{"type": "object", "properties": {{"tags": {{"type": "array", "items": {{"type": "string"}}}}}',
    );
    expect(dataOf('ask').jsonSchema).toEqual({
      type: 'object',
      properties: { tags: { type: 'array', items: { type: 'string' } } },
    });
    // `items` is more than the field builder shows: it stays in JSON mode.
    expect(schema.getByRole('button', { name: 'Fields' })).toBeDisabled();
  });
});

describe('router routes', () => {
  const router: Workflow = {
    nodes: [
      {
        id: 'triage',
        type: 'llm-router',
        position: { x: 0, y: 0 },
        data: {
          routes: [
            { name: 'billing', description: 'Payments' },
            { name: 'bug', description: 'Broken things' },
          ],
        },
      },
    ],
    edges: [],
  };

  it('adds and renames routes, each an output, and says why a name cannot be one', async () => {
    const { user, container, dataOf, handles } = renderWorkflow(router);
    const routes = within(
      within(await waitFor(() => settingsOf(container, 'triage'))).getByRole('group', {
        name: 'Routes',
      }),
    );
    await waitFor(() => expect(handles('triage')).toEqual(['billing', 'bug']));
    expect(routes.getByRole('button', { name: 'Remove route 1' })).toBeDisabled();
    await user.click(routes.getByRole('button', { name: 'Add route' }));
    const name = routes.getByRole('textbox', { name: 'Route 3 name' });
    await user.clear(name);
    await user.type(name, 'sales team');
    expect(
      routes.getByText('Letters, digits and _ only: the name is an output.'),
    ).toBeInTheDocument();
    await user.clear(name);
    await user.type(name, 'sales');
    await user.type(routes.getByRole('textbox', { name: 'Route 3 description' }), 'Wants to buy');
    expect(dataOf('triage').routes).toEqual([
      { name: 'billing', description: 'Payments' },
      { name: 'bug', description: 'Broken things' },
      { name: 'sales', description: 'Wants to buy' },
    ]);
    await waitFor(() => expect(handles('triage')).toEqual(['billing', 'bug', 'sales']));
  });
});
