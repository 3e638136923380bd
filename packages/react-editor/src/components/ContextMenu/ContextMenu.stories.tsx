import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fireEvent, waitFor, within } from 'storybook/test';
import { demoRegistry } from '../../fixtures/demoRegistry';
import { sampleWorkflow } from '../../fixtures/workflows';
import { WorkflowEditor } from '../WorkflowEditor';

function MenuEditor({ theme }: { theme: 'light' | 'dark' }) {
  return (
    <WorkflowEditor
      registry={demoRegistry}
      theme={theme}
      initialWorkflow={sampleWorkflow}
      style={{ height: '100vh' }}
    />
  );
}

const meta = {
  title: 'Editor/ContextMenu',
  component: MenuEditor,
  args: { theme: 'light' },
} satisfies Meta<typeof MenuEditor>;

export default meta;
type Story = StoryObj<typeof meta>;

async function rightClick(canvasElement: HTMLElement, selector: string) {
  const target = await waitFor(
    () => {
      const element = canvasElement.querySelector<HTMLElement>(selector);
      expect(element).not.toBeNull();
      return element!;
    },
    { timeout: 5_000 },
  );
  const box = target.getBoundingClientRect();
  fireEvent.contextMenu(target, { clientX: box.left + 30, clientY: box.top + 12 });
}

/** Right-click on a node: its actions, each with its shortcut. */
export const Node: Story = {
  play: async ({ canvasElement }) => {
    await rightClick(canvasElement, '[data-testid="gf-node-prompt"]');
    await within(canvasElement).findByRole('menu', { name: /^Node actions/ });
  },
};

/** The same, dark. */
export const NodeDark: Story = { ...Node, args: { theme: 'dark' } };

/** Right-click on the empty canvas. */
export const Canvas: Story = {
  play: async ({ canvasElement }) => {
    await rightClick(canvasElement, '.react-flow__pane');
    await within(canvasElement).findByRole('menu', { name: 'Canvas actions' });
  },
};
