import type { Workflow } from '@galaxyflow/engine';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { createMemoryClient } from '../../client/createMemoryClient';
import { demoRegistry } from '../../fixtures/demoRegistry';
import { sampleWorkflow } from '../../fixtures/workflows';
import { WorkflowEditor } from '../WorkflowEditor';

/** The sample as it was, then three later saves: a node removed, one renamed, one added. */
function historyClient() {
  const first: Workflow = {
    nodes: sampleWorkflow.nodes.filter((node) => node.id !== 'photo' && node.id !== 'vision'),
    edges: sampleWorkflow.edges.filter((edge) => edge.id !== 'e4'),
  };
  const client = createMemoryClient({
    registry: demoRegistry,
    latencyMs: 60,
    workflows: [
      {
        id: 'wf_versions',
        name: 'Saturn facts',
        version: 1,
        workflow: first,
        updatedAt: Date.UTC(2026, 10, 2, 9, 30),
      },
    ],
  });
  client.saveAs('Ada', 'wf_versions', sampleWorkflow);
  client.saveAs('Grace', 'wf_versions', {
    ...sampleWorkflow,
    nodes: sampleWorkflow.nodes.map((node) =>
      node.id === 'topic' ? { ...node, data: { ...node.data, label: 'Topic' } } : node,
    ),
  });
  client.saveAs('Ada', 'wf_versions', {
    nodes: [
      ...sampleWorkflow.nodes.filter((node) => node.id !== 'show'),
      {
        id: 'notes',
        type: 'text',
        position: { x: 0, y: 260 },
        data: { label: 'Extra facts', text: 'Moons: 146' },
      },
    ],
    edges: sampleWorkflow.edges.filter((edge) => edge.id !== 'e3'),
  });
  return client;
}

function VersionsEditor({ theme }: { theme: 'light' | 'dark' }) {
  const [client] = useState(historyClient);
  return (
    <WorkflowEditor
      registry={demoRegistry}
      client={client}
      workflowId="wf_versions"
      title="Saturn facts"
      draftKey={false}
      theme={theme}
      style={{ height: '100vh' }}
    />
  );
}

const meta = {
  title: 'Editor/VersionsPanel',
  component: VersionsEditor,
  args: { theme: 'light' },
} satisfies Meta<typeof VersionsEditor>;

export default meta;
type Story = StoryObj<typeof meta>;

async function openVersions(canvasElement: HTMLElement) {
  const canvas = within(canvasElement);
  await userEvent.click(
    await canvas.findByRole('button', { name: 'Versions' }, { timeout: 5_000 }),
  );
  const panel = await canvas.findByRole('complementary', { name: 'Versions' });
  await waitFor(() => expect(panel).toHaveTextContent('Extra facts'), { timeout: 5_000 });
  return { canvas, panel };
}

/** Who saved each version, when, and which nodes it added, removed or changed. */
export const List: Story = {
  play: async ({ canvasElement }) => {
    await openVersions(canvasElement);
  },
};

/** Comparing the canvas with version 1: added and changed nodes outlined, the removed one dashed. */
export const Comparing: Story = {
  play: async ({ canvasElement }) => {
    const { panel } = await openVersions(canvasElement);
    await userEvent.click(
      within(panel).getByRole('button', { name: 'Compare the canvas with version 2' }),
    );
    await waitFor(() => expect(canvasElement.querySelector('.gf-removed-node')).not.toBeNull(), {
      timeout: 5_000,
    });
  },
};

/** The same, dark. */
export const ComparingDark: Story = { ...Comparing, args: { theme: 'dark' } };
