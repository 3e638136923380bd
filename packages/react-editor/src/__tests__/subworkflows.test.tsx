import type { Workflow } from '@galaxyflow/engine';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { createMemoryClient } from '../client/createMemoryClient';
import { applyRunEvent } from '../store/runReducer';
import type { RunView } from '../types';
import { nodeElement, registry, renderEditor, settingsOf } from './kit';

/** A saved child: Input `topic` → Template → Output `summary`. */
const child: Workflow = {
  nodes: [
    {
      id: 'in',
      type: 'input',
      position: { x: 0, y: 0 },
      data: { name: 'topic', valueType: 'text' },
    },
    {
      id: 't',
      type: 'template',
      position: { x: 300, y: 0 },
      data: { template: 'About {{topic}}' },
    },
    {
      id: 'out',
      type: 'output',
      position: { x: 600, y: 0 },
      data: { name: 'summary', valueType: 'text' },
    },
  ],
  edges: [
    { id: 'e1', source: 'in', sourceHandle: 'value', target: 't', targetHandle: 'topic' },
    { id: 'e2', source: 't', sourceHandle: 'text', target: 'out', targetHandle: 'value' },
  ],
};

/** Text → a Workflow node nobody picked a workflow for yet. */
const parent: Workflow = {
  nodes: [
    { id: 'src', type: 'text', position: { x: 0, y: 0 }, data: { text: 'Saturn' } },
    { id: 'w', type: 'workflow', position: { x: 300, y: 0 }, data: {} },
  ],
  edges: [],
};

describe('palette', () => {
  it('offers Input, Output, Workflow and Map in a Workflow group', async () => {
    renderEditor({ initialWorkflow: parent });
    const group = within(await screen.findByRole('region', { name: 'Workflow' }));
    for (const label of ['Input', 'Output', 'Workflow', 'Map']) {
      expect(group.getByRole('button', { name: `Add ${label} node` })).toBeInTheDocument();
    }
  });
});

describe('Workflow node', () => {
  it('picks a saved workflow and version, takes its ports and opens it', async () => {
    const client = createMemoryClient({
      registry,
      workflows: [
        { id: 'child', name: 'Summarize', version: 1, workflow: child },
        { id: 'other', name: 'Other', version: 3, workflow: { nodes: [], edges: [] } },
      ],
    });
    const onOpenWorkflow = vi.fn();
    const { user, container } = renderEditor({ initialWorkflow: parent, client, onOpenWorkflow });
    const node = within(await waitFor(() => settingsOf(container, 'w')));
    expect(node.getByText('No workflow picked')).toBeInTheDocument();
    expect(nodeElement(container, 'w').querySelector('.gf-node__issue-flag')).toHaveAttribute(
      'title',
      expect.stringContaining('Pick a workflow to run.'),
    );
    await user.click(await node.findByRole('button', { name: 'Pick a workflow…' }));
    await user.selectOptions(await node.findByLabelText('Workflow'), 'Summarize');
    expect(node.getByLabelText('Version')).toHaveValue('1');
    await user.click(node.getByRole('button', { name: 'Use' }));
    await waitFor(() => expect(node.getByText('Summarize · v1')).toBeInTheDocument());
    // Its ports are the child's Input and Output.
    expect(nodeElement(container, 'w').querySelector('[data-handleid="topic"]')).not.toBeNull();
    expect(nodeElement(container, 'w').querySelector('[data-handleid="summary"]')).not.toBeNull();
    await user.click(node.getByRole('button', { name: 'Open' }));
    expect(onOpenWorkflow).toHaveBeenCalledWith({ workflowId: 'child', version: 1 });
    expect(client.calls.map((call) => call.method)).toContain('getWorkflowVersion');
  });

  it('shows the sub-workflow run nested under the node after a run', async () => {
    const client = createMemoryClient({
      registry,
      workflows: [{ id: 'child', name: 'Summarize', version: 1, workflow: child }],
    });
    const wired: Workflow = {
      nodes: [
        parent.nodes[0]!,
        {
          id: 'w',
          type: 'workflow',
          position: { x: 300, y: 0 },
          data: {
            workflowId: 'child',
            version: 1,
            name: 'Summarize',
            inputs: [{ name: 'topic', type: 'text' }],
            outputs: [{ name: 'summary', type: 'text' }],
          },
        },
      ],
      edges: [{ id: 'e', source: 'src', sourceHandle: 'text', target: 'w', targetHandle: 'topic' }],
    };
    const { user, container } = renderEditor({ initialWorkflow: wired, client });
    const run = screen.getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled());
    await user.click(run);
    await screen.findByText('Run succeeded', {}, { timeout: 5_000 });
    const node = within(nodeElement(container, 'w'));
    expect(node.getByRole('region', { name: 'Output' })).toHaveTextContent('About Saturn');
    expect(node.getByText('Sub-workflow child@1: success')).toBeInTheDocument();
  });
});

describe('sub-workflow events', () => {
  it("paint the child's nodes under the Workflow node while it runs", async () => {
    const wired: Workflow = {
      nodes: [
        parent.nodes[0]!,
        {
          id: 'w',
          type: 'workflow',
          position: { x: 300, y: 0 },
          data: { workflowId: 'child', version: 1, inputs: [{ name: 'topic' }], outputs: [] },
        },
      ],
      edges: [{ id: 'e', source: 'src', sourceHandle: 'text', target: 'w', targetHandle: 'topic' }],
    };
    const at = 1;
    const client = createMemoryClient({
      registry,
      script: () => [
        { type: 'run:start', nodeIds: ['src', 'w'] },
        { type: 'node:start', nodeId: 'w', nodeType: 'workflow', attempt: 1 },
        {
          type: 'node:child',
          nodeId: 'w',
          path: ['w'],
          event: {
            type: 'node:start',
            runId: 'c',
            at,
            nodeId: 'in',
            nodeType: 'input',
            attempt: 1,
          },
        },
        {
          type: 'node:child',
          nodeId: 'w',
          path: ['w'],
          event: {
            type: 'node:finish',
            runId: 'c',
            at,
            nodeId: 'in',
            result: { status: 'SUCCESS', attempts: 1, output: { value: 'Saturn' } },
          },
        },
        {
          type: 'node:child',
          nodeId: 'w',
          path: ['w'],
          event: {
            type: 'node:start',
            runId: 'c',
            at,
            nodeId: 't',
            nodeType: 'template',
            attempt: 1,
          },
        },
        { type: 'run:finish', status: 'SUCCESS', durationMs: 5, afterMs: 2_000 },
      ],
    });
    const { user, container } = renderEditor({ initialWorkflow: wired, client });
    const run = screen.getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled());
    await user.click(run);
    const node = within(nodeElement(container, 'w'));
    await waitFor(() =>
      expect(node.getByText('Sub-workflow: 1 of 2 nodes done')).toBeInTheDocument(),
    );
    // The parent's own nodes are untouched by the child's events.
    expect(within(nodeElement(container, 'src')).queryByText('Running')).toBeNull();
  });
});

describe('Map node', () => {
  const mapped: Workflow = {
    nodes: [
      {
        id: 'list',
        type: 'input',
        position: { x: 0, y: 0 },
        data: { name: 'items', default: ['a', 'b', 'c'] },
      },
      {
        id: 'm',
        type: 'map',
        position: { x: 300, y: 0 },
        data: { nodeType: 'template', nodeData: { template: 'Say {{item}}' } },
      },
    ],
    edges: [{ id: 'e', source: 'list', sourceHandle: 'value', target: 'm', targetHandle: 'items' }],
  };

  it('shows progress on the node while items finish, then each item in its detail', async () => {
    const client = createMemoryClient({
      registry,
      script: () => [
        { type: 'run:start', nodeIds: ['list', 'm'] },
        { type: 'node:start', nodeId: 'list', nodeType: 'input', attempt: 1 },
        {
          type: 'node:finish',
          nodeId: 'list',
          result: { status: 'SUCCESS', attempts: 1, output: { value: ['a', 'b', 'c'] } },
        },
        { type: 'node:start', nodeId: 'm', nodeType: 'map', attempt: 1 },
        { type: 'node:progress', nodeId: 'm', done: 2, total: 3, afterMs: 10 },
        {
          type: 'node:finish',
          nodeId: 'm',
          afterMs: 400,
          result: {
            status: 'SUCCESS',
            attempts: 1,
            output: {
              results: ['Say a', null, 'Say c'],
              errors: [{ index: 1, code: 'E_NODE_FAILED', message: 'b broke' }],
            },
            meta: {
              items: [
                { status: 'SUCCESS', durationMs: 3 },
                {
                  status: 'FAILED',
                  durationMs: 2,
                  error: { code: 'E_NODE_FAILED', message: 'b broke', retryable: false },
                },
                { status: 'SUCCESS', durationMs: 4 },
              ],
            },
          },
        },
        { type: 'run:finish', status: 'SUCCESS', durationMs: 420 },
      ],
    });
    const { user, container } = renderEditor({ initialWorkflow: mapped, client });
    const node = within(nodeElement(container, 'm'));
    // The Map edits the node it runs per item with that node's own fields.
    const settings = within(await waitFor(() => settingsOf(container, 'm')));
    expect(settings.getByLabelText('Node per item')).toHaveValue('template');
    expect(settings.getByLabelText('Template')).toHaveValue('Say {{item}}');
    const run = screen.getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled());
    await user.click(run);
    await waitFor(() => expect(node.getByTestId('gf-progress-m')).toHaveTextContent('2/3'));
    await screen.findByText('Run succeeded', {}, { timeout: 5_000 });
    expect(node.getByText('Items: 2 ok, 1 failed')).toBeInTheDocument();
    expect(node.getByText('b broke')).toBeInTheDocument();
  });

  it('runs for real through the memory client: a Template per item, results in order', async () => {
    const client = createMemoryClient({ registry });
    const { user, container } = renderEditor({ initialWorkflow: mapped, client });
    const run = screen.getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled());
    await user.click(run);
    await screen.findByText('Run succeeded', {}, { timeout: 5_000 });
    const node = within(nodeElement(container, 'm'));
    expect(node.getByRole('region', { name: 'Output' })).toHaveTextContent('"Say a"');
    expect(node.getByText('Items: 3 ok')).toBeInTheDocument();
  });

  it('keeps the last count beside a failure', () => {
    let view: RunView = { runId: 'r', origin: 'live', phase: 'running', nodes: {}, logs: [] };
    view = applyRunEvent(view, {
      type: 'node:progress',
      runId: 'r',
      at: 1,
      nodeId: 'm',
      done: 7,
      total: 20,
    });
    view = applyRunEvent(view, {
      type: 'node:finish',
      runId: 'r',
      at: 2,
      nodeId: 'm',
      result: {
        status: 'FAILED',
        attempts: 1,
        error: { code: 'E_MAP_ITEM_FAILED', message: 'Item 8 of 20 failed', retryable: false },
      },
    });
    expect(view.nodes.m).toMatchObject({ status: 'failed', progress: { done: 7, total: 20 } });
  });
});
