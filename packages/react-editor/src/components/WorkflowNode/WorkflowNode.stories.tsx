import type { NodeRegistry } from '@galaxyflow/engine';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect } from 'react';
import { expect, within } from 'storybook/test';
import { brokenRegistry } from '../../fixtures/brokenNode';
import { demoRegistry } from '../../fixtures/demoRegistry';
import { useWorkflowEditor } from '../../hooks/useWorkflowEditor';
import type { NodeRunState } from '../../types';
import { Canvas } from '../Canvas';
import { WorkflowEditorProvider } from '../WorkflowEditorProvider';

interface NodeStoryProps {
  /** The node type to show. */
  type: string;
  /** Its data. */
  data?: Record<string, unknown>;
  /** A run state to paint. */
  state?: NodeRunState;
  /** The node types. Default the built-ins. */
  registry?: NodeRegistry;
}

function Paint({ state }: { state: NodeRunState | undefined }) {
  const { actions } = useWorkflowEditor();
  useEffect(() => {
    if (state) actions.setRun({ runId: 'story', origin: 'history', phase: 'SUCCESS', nodes: { node: state }, logs: [] });
  }, [actions, state]);
  return null;
}

function NodeStory({ type, data = {}, state, registry = demoRegistry }: NodeStoryProps) {
  return (
    <div className="gf-editor" data-theme="light" style={{ height: '100vh' }}>
      <WorkflowEditorProvider
        registry={registry}
        initialWorkflow={{ nodes: [{ id: 'node', type, data, position: { x: 0, y: 0 } }], edges: [] }}
      >
        <Paint state={state} />
        {/* One node with its whole form on it: these stories show how each field kind draws. */}
        <Canvas showMiniMap={false} nodeSettings="inline" />
      </WorkflowEditorProvider>
    </div>
  );
}

const meta = {
  title: 'Editor/Nodes',
  component: NodeStory,
} satisfies Meta<typeof NodeStory>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Text: Story = {
  args: { type: 'text', data: { text: 'The rings of Saturn' }, state: { status: 'success', attempt: 1, streamed: '', output: { text: 'The rings of Saturn' } } },
};

export const Template: Story = {
  args: { type: 'template', data: { template: 'Summarize {{article}} for {{audience}}.' } },
};

export const Json: Story = {
  args: {
    type: 'json',
    data: { mode: 'pick', path: 'items[0]' },
    state: { status: 'success', attempt: 1, streamed: '', output: { json: { name: 'Saturn', moons: 146 } } },
  },
};

export const Debug: Story = {
  args: { type: 'debug', state: { status: 'success', attempt: 1, streamed: '', output: { value: [1, 2, 3] } } },
};

export const LlmStreaming: Story = {
  args: {
    type: 'llm',
    state: { status: 'running', attempt: 1, streamed: 'Saturn’s rings are made mostly of water ice, with ' },
  },
};

/** Structured output: the schema builder, and one output per field. */
export const LlmStructuredOutput: Story = {
  args: {
    type: 'llm',
    data: {
      jsonMode: true,
      jsonSchema: {
        type: 'object',
        properties: { title: { type: 'string', description: 'A short headline.' }, score: { type: 'integer' } },
        required: ['title', 'score'],
      },
    },
    state: {
      status: 'success',
      attempt: 1,
      streamed: '',
      output: { text: '{"title":"Great, weak battery","score":4}', json: { title: 'Great, weak battery', score: 4 }, title: 'Great, weak battery', score: 4 },
    },
  },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(await canvas.findByRole('textbox', { name: 'Field 2 name' })).toHaveValue('score');
  },
};

/** The routes editor; only the chosen route carries the input on. */
export const LlmRouter: Story = {
  args: {
    type: 'llm-router',
    data: {
      routes: [
        { name: 'billing', description: 'Invoices, refunds, payment problems.' },
        { name: 'bug', description: 'Something in the product is broken.' },
        { name: 'other', description: 'Anything else.' },
      ],
    },
    state: {
      status: 'success',
      attempt: 1,
      streamed: '',
      output: { billing: 'I was charged twice this month.' },
      meta: { route: 'billing', reason: 'A double charge is a payment problem.' },
    },
  },
};

export const HttpRequest: Story = {
  args: {
    type: 'http',
    data: { url: 'https://api.github.com/repos/{{repo}}', auth: { secret: 'GITHUB_TOKEN' } },
    state: { status: 'success', attempt: 1, streamed: '', output: { body: { full_name: 'galaxy/flow', stargazers_count: 42 }, status: 200, headers: {} } },
  },
};

export const VisionFailed: Story = {
  args: {
    type: 'vision',
    state: {
      status: 'failed',
      attempt: 3,
      streamed: '',
      error: { code: 'E_TIMEOUT', message: 'Node "node" did not finish within 30000 ms.', retryable: true },
    },
  },
};

export const ImageOutput: Story = {
  args: {
    type: 'image',
    data: { url: 'data:image/svg+xml;utf8,<svg xmlns="http://www.w3.org/2000/svg" width="200" height="90"><rect width="200" height="90" fill="%234f5bd5"/></svg>' },
    state: {
      status: 'success',
      attempt: 1,
      streamed: '',
      output: { image: 'data:image/svg+xml;utf8,<svg xmlns="http://www.w3.org/2000/svg" width="200" height="90"><rect width="200" height="90" fill="%234f5bd5"/></svg>' },
    },
  },
};

/** The condition builder: a row with a message from the node's schema under it. */
export const IfConditions: Story = {
  args: {
    type: 'if',
    data: {
      label: 'Check',
      conditions: [
        { left: '{{value.status}}', operator: 'equals', right: 'paid' },
        { left: '{{value.total}}', operator: 'gt', right: 'ten' },
      ],
    },
  },
  play: async ({ canvasElement }) => {
    const second = await within(canvasElement).findByRole('group', { name: 'Condition 2' });
    await expect(within(second).getByRole('alert')).toHaveTextContent('"is greater than" compares numbers');
  },
};

/** Switch cases: each named case is an output, plus default. */
export const SwitchCases: Story = {
  args: {
    type: 'switch',
    data: {
      label: 'Route',
      mode: 'first',
      cases: [
        { name: 'refund', left: '{{value}}', operator: 'contains', right: 'refund' },
        { name: 'urgent', left: '{{value}}', operator: 'matches', right: '\\burgent\\b' },
      ],
    },
  },
};

export const UnknownType: Story = { args: { type: 'missing_plugin' } };

/** A plugin whose definition throws while its node renders: the node's error boundary shows a card in its place. */
export const Broken: Story = {
  args: { type: 'broken_plugin', data: { label: 'Flaky plugin' }, registry: brokenRegistry },
  play: async ({ canvasElement }) => {
    const alert = await within(canvasElement).findByRole('alert');
    await expect(alert).toHaveTextContent('This node could not be displayed.');
  },
};

export const MapRunning: Story = {
  args: {
    type: 'map',
    data: { nodeType: 'template', nodeData: { template: 'Summarize {{item}}' }, concurrency: 4 },
    state: { status: 'running', attempt: 1, streamed: '', progress: { done: 7, total: 20 } },
  },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByText('7/20')).toBeInTheDocument();
  },
};

export const MapWithFailedItem: Story = {
  args: {
    type: 'map',
    data: { nodeType: 'template', nodeData: { template: 'Summarize {{item}}' }, onItemError: 'collect' },
    state: {
      status: 'success',
      attempt: 1,
      streamed: '',
      output: { results: ['Saturn in brief', null], errors: [{ index: 1, code: 'E_NODE_FAILED', message: 'No text' }] },
      meta: {
        items: [
          { status: 'SUCCESS', durationMs: 812 },
          { status: 'FAILED', durationMs: 40, error: { code: 'E_NODE_FAILED', message: 'No text', retryable: false } },
        ],
      },
    },
  },
};

export const WorkflowPicked: Story = {
  args: {
    type: 'workflow',
    data: {
      workflowId: 'summarize',
      version: 3,
      name: 'Summarize',
      inputs: [{ name: 'topic', type: 'text', required: true }],
      outputs: [{ name: 'summary', type: 'text' }],
    },
  },
};
