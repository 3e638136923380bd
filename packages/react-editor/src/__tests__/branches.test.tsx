import type { Workflow } from '@galaxyflow/engine';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createMemoryClient } from '../client/createMemoryClient';
import { nodeElement, registry, renderEditor, settingsOf } from './kit';

/** Text → If "Check" (equals "go") → yes / no → Merge → out, run on the real engine. */
function ifWorkflow(text: string): Workflow {
  return {
    nodes: [
      { id: 'in', type: 'text', position: { x: 0, y: 0 }, data: { text } },
      {
        id: 'check',
        type: 'if',
        position: { x: 250, y: 0 },
        data: {
          label: 'Check',
          conditions: [{ left: '{{value}}', operator: 'equals', right: 'go' }],
        },
      },
      { id: 'yes', type: 'debug', position: { x: 550, y: -150 }, data: {} },
      { id: 'no', type: 'debug', position: { x: 550, y: 150 }, data: {} },
      { id: 'join', type: 'merge', position: { x: 850, y: 0 }, data: {} },
    ],
    edges: [
      { id: 'e-in', source: 'in', sourceHandle: 'text', target: 'check', targetHandle: 'value' },
      { id: 'e-true', source: 'check', sourceHandle: 'true', target: 'yes', targetHandle: 'value' },
      {
        id: 'e-false',
        source: 'check',
        sourceHandle: 'false',
        target: 'no',
        targetHandle: 'value',
      },
      { id: 'e-yes', source: 'yes', sourceHandle: 'value', target: 'join', targetHandle: 'values' },
      { id: 'e-no', source: 'no', sourceHandle: 'value', target: 'join', targetHandle: 'values' },
    ],
  };
}

/** The edge ids the canvas draws dimmed, as a branch not taken. */
function untakenEdges(container: HTMLElement): string[] {
  return [...container.querySelectorAll('.gf-edge--untaken')].map((path) => path.id).sort();
}

describe('branches on the canvas', () => {
  for (const [text, skipped, taken, because] of [
    ['go', 'no', 'yes', 'Not taken: branch If ‘Check’ was true'],
    ['stop', 'yes', 'no', 'Not taken: branch If ‘Check’ was false'],
  ] as const) {
    it(`marks the untaken side with its reason and dims its edges (input "${text}")`, async () => {
      const client = createMemoryClient({ registry });
      const { user, container } = renderEditor({ initialWorkflow: ifWorkflow(text), client });
      const run = screen.getByRole('button', { name: 'Run' });
      await waitFor(() => expect(run).toBeEnabled());
      await user.click(run);
      await screen.findByText('Run succeeded', {}, { timeout: 5_000 });

      const skippedNode = within(nodeElement(container, skipped));
      expect(skippedNode.getByText('Skipped')).toBeInTheDocument();
      expect(skippedNode.getByText(because)).toBeInTheDocument();
      expect(within(nodeElement(container, taken)).getByText('Done')).toBeInTheDocument();
      expect(
        within(nodeElement(container, 'join')).getByRole('region', { name: 'Output' }),
      ).toHaveTextContent(text);
      const side = skipped === 'no' ? 'false' : 'true';
      expect(untakenEdges(container)).toEqual([`e-${side}`, `e-${skipped}`].sort());
    });
  }
});

describe('the condition builder', () => {
  it('adds and removes rows and shows the engine’s message under the row it concerns', async () => {
    const { user, container } = renderEditor({ initialWorkflow: ifWorkflow('go') });
    const check = within(await waitFor(() => settingsOf(container, 'check')));
    expect(await check.findAllByRole('group', { name: /^Condition \d$/ })).toHaveLength(1);

    await user.click(check.getByRole('button', { name: 'Add condition' }));
    const second = check.getByRole('group', { name: 'Condition 2' });
    fireEvent.change(within(second).getByRole('combobox', { name: 'Condition 2 operator' }), {
      target: { value: 'gt' },
    });
    const right = within(second).getByRole('textbox', { name: 'Condition 2 right value' });
    await user.type(right, 'ten');
    expect(await within(second).findByRole('alert')).toHaveTextContent(
      'Right value: "is greater than" compares numbers; "ten" is not a number.',
    );
    expect(right).toHaveAttribute('aria-invalid', 'true');
    // The first row is fine: no message there.
    expect(
      within(check.getByRole('group', { name: 'Condition 1' })).queryByRole('alert'),
    ).toBeNull();

    // "is empty" takes no right value: its input goes away.
    fireEvent.change(within(second).getByRole('combobox', { name: 'Condition 2 operator' }), {
      target: { value: 'is_empty' },
    });
    expect(within(second).queryByRole('textbox', { name: 'Condition 2 right value' })).toBeNull();
    expect(within(second).queryByRole('alert')).toBeNull();

    await user.click(check.getByRole('button', { name: 'Remove condition 1' }));
    await user.click(check.getByRole('button', { name: 'Remove condition 1' }));
    expect(check.queryAllByRole('group', { name: /^Condition \d$/ })).toHaveLength(0);
    expect(await check.findByText('Conditions: add at least one condition.')).toBeInTheDocument();
  });

  it('names Switch cases and refuses two cases of one name', async () => {
    const workflow: Workflow = {
      nodes: [
        { id: 'in', type: 'text', position: { x: 0, y: 0 }, data: { text: 'x' } },
        {
          id: 'route',
          type: 'switch',
          position: { x: 300, y: 0 },
          data: {
            cases: [{ name: 'refund', left: '{{value}}', operator: 'contains', right: 'refund' }],
          },
        },
      ],
      edges: [
        { id: 'e', source: 'in', sourceHandle: 'text', target: 'route', targetHandle: 'value' },
      ],
    };
    const { user, container } = renderEditor({ initialWorkflow: workflow });
    const route = within(await waitFor(() => settingsOf(container, 'route')));
    await user.click(await route.findByRole('button', { name: 'Add case' }));
    const name = route.getByRole('textbox', { name: 'Case 2 name' });
    expect(name).toHaveValue('case2');
    // The new case is an output the user can wire.
    expect(within(nodeElement(container, 'route')).getByTitle('case2 (any output)')).toBeInTheDocument();
    await user.clear(name);
    await user.type(name, 'refund');
    expect(
      await within(route.getByRole('group', { name: 'Case 2' })).findByRole('alert'),
    ).toHaveTextContent('"refund" is used by two cases');
  });
});
