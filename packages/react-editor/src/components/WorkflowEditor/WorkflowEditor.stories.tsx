import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { createMemoryClient } from '../../client/createMemoryClient';
import { ConnectedEditor } from '../../fixtures/ConnectedEditor';
import { demoRegistry } from '../../fixtures/demoRegistry';
import { failedRunScript, largeWorkflow, sampleHistory, sampleRunScript, sampleWorkflow } from '../../fixtures/workflows';
import { WorkflowEditor } from '.';

const meta = {
  title: 'Editor/WorkflowEditor',
  component: WorkflowEditor,
  args: { registry: demoRegistry, theme: 'light', style: { height: '100vh' } },
} satisfies Meta<typeof WorkflowEditor>;

export default meta;
type Story = StoryObj<typeof meta>;

/** A blank canvas: add nodes from the palette by clicking or dragging. */
export const Empty: Story = {};

/** The sample workflow, editable, with no server: edits stay in the page. */
export const Sample: Story = { args: { initialWorkflow: sampleWorkflow, title: 'Saturn facts' } };

/** The LLM node selected: its settings, issues and last result in the inspector beside the canvas. */
export const Inspector: Story = {
  args: { initialWorkflow: sampleWorkflow, title: 'Saturn facts' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const node = await canvas.findByTestId('gf-node-llm');
    await userEvent.click(node.querySelector('.gf-node__title')!);
    await canvas.findByRole('complementary', { name: 'Settings of LLM' });
  },
};

/** Every setting on its node, for hosts that keep the forms inline (`nodeSettings="inline"`). */
export const InlineSettings: Story = {
  args: { initialWorkflow: sampleWorkflow, title: 'Saturn facts', nodeSettings: 'inline' },
};

/** Connected to an in-memory server whose run streams the LLM's tokens live. */
async function runToSuccess({ canvasElement }: { canvasElement: HTMLElement }) {
  const canvas = within(canvasElement);
  const run = await canvas.findByRole('button', { name: 'Run' });
  await waitFor(() => expect(run).toBeEnabled(), { timeout: 5_000 });
  await userEvent.click(run);
  await canvas.findByText('Run succeeded', {}, { timeout: 20_000 });
}

export const LiveRun: Story = {
  render: (args) => <ConnectedEditor theme={args.theme ?? 'light'} script={() => sampleRunScript()} />,
  play: runToSuccess,
};

/** A run where one branch fails, a model call is retried then fails, and dependents are skipped. */
export const FailedRun: Story = {
  render: (args) => <ConnectedEditor theme={args.theme ?? 'light'} script={() => failedRunScript()} />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const run = await canvas.findByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled(), { timeout: 5_000 });
    await userEvent.click(run);
    await canvas.findByText('Run partly failed', {}, { timeout: 10_000 });
    const details = await canvas.findAllByRole('button', { name: 'Error details' });
    await userEvent.click(details[details.length - 1]!);
  },
};

/** The dark theme, mid-run. */
export const DarkTheme: Story = {
  args: { theme: 'dark' },
  render: (args) => <ConnectedEditor theme={args.theme ?? 'dark'} script={() => sampleRunScript({ tokenDelayMs: 250 })} />,
  play: runToSuccess,
};

/** Viewing only: no palette, no edits, no save; history and runs stay available. */
export const ReadOnly: Story = {
  render: (args) => <ConnectedEditor theme={args.theme ?? 'light'} readOnly runs={sampleHistory('wf_sample')} />,
};

function ThousandNodesEditor(props: { theme: 'light' | 'dark' | 'system' }) {
  // Built inside the story, not passed as an arg: Storybook walks args deeply.
  const [workflow] = useState(() => largeWorkflow(1_000));
  return (
    <WorkflowEditor registry={demoRegistry} theme={props.theme} initialWorkflow={workflow} title="1,000 nodes" style={{ height: '100vh' }} />
  );
}

/** A thousand nodes and a thousand edges. */
export const ThousandNodes: Story = {
  render: (args) => <ThousandNodesEditor theme={args.theme ?? 'light'} />,
};

/** The run history: pages of past runs; opening one paints its outputs onto the canvas. */
export const History: Story = {
  render: (args) => <ConnectedEditor theme={args.theme ?? 'light'} runs={sampleHistory('wf_sample')} />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole('button', { name: 'History' }));
    const open = await canvas.findAllByRole('button', { name: /open run/ }, { timeout: 5_000 });
    await userEvent.click(open[2]!);
    await canvas.findByText(/Past run/, {}, { timeout: 5_000 });
  },
};

/** A 1 x 1 purple PNG, the picture the image story stores. */
const DOT_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** An editor whose in-memory client already holds an uploaded picture that an Image node uses. */
function ImageFilesEditor({ theme }: { theme: 'light' | 'dark' }) {
  const [ready, setReady] = useState<{ client: ReturnType<typeof createMemoryClient>; fileId: string } | null>(null);
  useEffect(() => {
    const client = createMemoryClient({ registry: demoRegistry });
    const bytes = Uint8Array.from(atob(DOT_PNG), (ch) => ch.charCodeAt(0));
    void client.files
      .upload(new Blob([bytes], { type: 'image/png' }), { name: 'dot.png' })
      .then((file) => setReady({ client, fileId: file.id }));
  }, []);
  if (!ready) return null;
  return (
    <WorkflowEditor
      registry={demoRegistry}
      client={ready.client}
      theme={theme}
      style={{ height: '100vh' }}
      initialWorkflow={{
        nodes: [{ id: 'pic', type: 'image', position: { x: 0, y: 0 }, data: { label: 'Picture', fileId: ready.fileId } }],
        edges: [],
      }}
    />
  );
}

/**
 * Uploaded images: drop a picture on the canvas or paste one; the Image node shows it with
 * Replace and Remove, and its run output shows it too. Files stay in the page's memory.
 */
export const ImageFiles: Story = {
  render: (args) => <ImageFilesEditor theme={args.theme === 'dark' ? 'dark' : 'light'} />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await canvas.findByRole('img', { name: 'Uploaded image' }, { timeout: 5_000 });
    await runToSuccess({ canvasElement });
    await canvas.findByRole('img', { name: 'Output image' }, { timeout: 5_000 });
  },
};
