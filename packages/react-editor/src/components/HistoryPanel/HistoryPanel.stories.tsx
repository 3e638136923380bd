import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { createMemoryClient } from '../../client/createMemoryClient';
import { demoRegistry } from '../../fixtures/demoRegistry';
import { sampleHistory, sampleWorkflow } from '../../fixtures/workflows';
import { WorkflowEditorProvider } from '../WorkflowEditorProvider';
import { HistoryPanel } from '.';

function WithClient({ count }: { count: number }) {
  const [client] = useState(() =>
    createMemoryClient({
      workflows: [{ id: 'wf_sample', version: 1, workflow: sampleWorkflow }],
      runs: sampleHistory('wf_sample', count),
    }),
  );
  return (
    <div className="gf-editor" data-theme="light" style={{ height: '100vh', flexDirection: 'row' }}>
      <WorkflowEditorProvider registry={demoRegistry} client={client} workflowId="wf_sample" draftKey={false}>
        <HistoryPanel />
      </WorkflowEditorProvider>
    </div>
  );
}

const meta = {
  title: 'Editor/HistoryPanel',
  component: WithClient,
} satisfies Meta<typeof WithClient>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Paginated: Story = { args: { count: 23 } };
export const NoRuns: Story = { args: { count: 0 } };
