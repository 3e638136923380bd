import type { Meta, StoryObj } from '@storybook/react-vite';
import { demoRegistry } from '../../fixtures/demoRegistry';
import { WorkflowEditorProvider } from '../WorkflowEditorProvider';
import { Palette } from '.';

const meta = {
  title: 'Editor/Palette',
  component: Palette,
  decorators: [
    (Story) => (
      <div className="gf-editor" data-theme="light" style={{ height: '100vh', flexDirection: 'row' }}>
        <WorkflowEditorProvider registry={demoRegistry}>
          <Story />
        </WorkflowEditorProvider>
      </div>
    ),
  ],
} satisfies Meta<typeof Palette>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Default: Story = {};
export const Collapsed: Story = { args: { defaultCollapsed: true } };
