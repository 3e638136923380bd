import type { UsageRow } from '@galaxyflow/engine';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { createMemoryClient } from '../../client/createMemoryClient';
import { demoRegistry } from '../../fixtures/demoRegistry';
import { sampleWorkflow } from '../../fixtures/workflows';
import { WorkflowEditorProvider } from '../WorkflowEditorProvider';
import { UsagePanel } from '.';

/** A month of calls: busier on weekdays, a quiet weekend, one expensive day. */
function month(): UsageRow[] {
  const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  return Array.from({ length: 30 }, (_, i): UsageRow => {
    const ms = today - i * 86_400_000;
    const weekend = [0, 6].includes(new Date(ms).getUTCDay());
    const tokens = weekend ? 800 : 6_000 + ((i * 1_733) % 9_000);
    return {
      day: new Date(ms).toISOString().slice(0, 10),
      provider: 'groq',
      model: 'llama-3.3-70b-versatile',
      inputTokens: Math.round(tokens * 0.7),
      outputTokens: Math.round(tokens * 0.3),
      costUsd: i === 12 ? 0.4 : tokens * 0.000_000_7,
      calls: Math.ceil(tokens / 1_500),
      estimatedCalls: 0,
    };
  });
}

function WithClient({ empty }: { empty: boolean }) {
  const [client] = useState(() =>
    createMemoryClient({
      workflows: [{ id: 'wf_sample', version: 1, workflow: sampleWorkflow }],
      usage: empty ? [] : month(),
      budgets: [
        { limit: 'dailyTokens', max: 50_000, used: 7_200, resetsAt: Date.now() + 3_600_000 },
      ],
    }),
  );
  return (
    <div className="gf-editor" data-theme="light" style={{ height: '100vh', flexDirection: 'row' }}>
      <WorkflowEditorProvider
        registry={demoRegistry}
        client={client}
        workflowId="wf_sample"
        draftKey={false}
      >
        <UsagePanel />
      </WorkflowEditorProvider>
    </div>
  );
}

const meta = {
  title: 'Editor/UsagePanel',
  component: WithClient,
} satisfies Meta<typeof WithClient>;

export default meta;
type Story = StoryObj<typeof meta>;

export const LastThirtyDays: Story = { args: { empty: false } };
export const NothingYet: Story = { args: { empty: true } };
