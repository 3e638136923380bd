import { NOTE_COLORS } from '@galaxyflow/engine';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { demoRegistry } from '../../fixtures/demoRegistry';
import { sampleWorkflow } from '../../fixtures/workflows';
import { WorkflowEditor } from '../WorkflowEditor';

const TEXT = '# Saturn facts\n- asks for **three** facts\n- the Debug node shows the answer';

function NotesEditor({ theme }: { theme: 'light' | 'dark' }) {
  // Built inside the story, not passed as an arg: Storybook walks args deeply.
  const [workflow] = useState(() => ({
    ...sampleWorkflow,
    nodes: [
      ...sampleWorkflow.nodes,
      ...NOTE_COLORS.map((color, index) => ({
        id: `note-${color}`,
        type: 'note',
        position: { x: index * 260, y: -220 },
        data: { text: index === 0 ? TEXT : `A ${color} note.`, color },
      })),
    ],
  }));
  return (
    <WorkflowEditor
      registry={demoRegistry}
      theme={theme}
      initialWorkflow={workflow}
      style={{ height: '100vh' }}
    />
  );
}

const meta = {
  title: 'Editor/NoteNode',
  component: NotesEditor,
  args: { theme: 'light' },
} satisfies Meta<typeof NotesEditor>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Sticky notes in every colour beside the sample workflow: headings, lists and bold drawn. */
export const Colours: Story = {};

/** The same, dark. */
export const ColoursDark: Story = { args: { theme: 'dark' } };
