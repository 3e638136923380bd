import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ConnectedEditor } from '../../fixtures/ConnectedEditor';
import { sampleRunScript } from '../../fixtures/workflows';

/** The editor in a phone-wide frame (390 x 844): the steps list, and the canvas a tap away. */
function PhoneEditor({ theme }: { theme: 'light' | 'dark' }) {
  return (
    <div style={{ width: 390, height: 844, border: '1px solid #8a94a6' }}>
      <ConnectedEditor
        theme={theme}
        style={{ height: '100%' }}
        script={() => sampleRunScript({ tokenDelayMs: 20 })}
      />
    </div>
  );
}

const meta = {
  title: 'Editor/RunSteps',
  component: PhoneEditor,
  args: { theme: 'light' },
} satisfies Meta<typeof PhoneEditor>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The nodes as a list of steps, in the order data flows. */
export const Steps: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await canvas.findByRole('region', { name: 'Steps' }, { timeout: 5_000 });
  },
};

/** After Run: every step's status and output, the LLM's answer streamed in. */
export const AfterARun: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const run = await canvas.findByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled(), { timeout: 5_000 });
    await userEvent.click(run);
    await canvas.findByText('Succeeded', {}, { timeout: 20_000 });
  },
};

/** The same, dark. */
export const AfterARunDark: Story = { ...AfterARun, args: { theme: 'dark' } };

/** The canvas, full width. */
export const Canvas: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(
      await canvas.findByRole('button', { name: 'Show the canvas' }, { timeout: 5_000 }),
    );
  },
};
