import type { Workflow } from '@galaxyflow/engine';

/** Text -> Debug: press Run and the Debug node shows the text. */
export const helloWorkflow: Workflow = {
  nodes: [
    {
      id: 'greeting',
      type: 'text',
      position: { x: 0, y: 0 },
      data: { text: 'Hello from your browser' },
    },
    { id: 'show', type: 'debug', position: { x: 360, y: 0 }, data: {} },
  ],
  edges: [
    {
      id: 'greeting.text->show.value',
      source: 'greeting',
      sourceHandle: 'text',
      target: 'show',
      targetHandle: 'value',
    },
  ],
};
