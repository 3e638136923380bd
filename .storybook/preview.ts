import type { Preview } from '@storybook/react-vite';
import '../packages/react-editor/src/styles/index.css';

const preview: Preview = {
  parameters: {
    layout: 'fullscreen',
    controls: { expanded: true },
  },
};

export default preview;
