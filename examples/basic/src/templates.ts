import type { WorkflowInput } from '@galaxyflow/engine';

/** A starter a new user can open and run. */
export interface Template {
  id: string;
  name: string;
  description: string;
  /** Whether it needs an LLM provider key on the server. */
  needsProvider: boolean;
  workflow: WorkflowInput;
}

const edge = (source: string, sourceHandle: string, target: string, targetHandle: string) => ({
  id: `${source}.${sourceHandle}->${target}.${targetHandle}`,
  source,
  sourceHandle,
  target,
  targetHandle,
});

export const templates: readonly Template[] = [
  {
    id: 'no-key',
    name: 'Fill a template, pick from JSON',
    description: 'Text → Template → JSON → Debug. Runs without any API key.',
    needsProvider: false,
    workflow: {
      nodes: [
        { id: 'city', type: 'text', position: { x: 0, y: 40 }, data: { label: 'City', text: 'Lisbon' } },
        {
          id: 'card',
          type: 'template',
          position: { x: 320, y: 0 },
          data: { label: 'Build a JSON card', template: '{"city": "{{city}}", "tags": ["sunny", "coastal"], "visit": {"days": 3}}' },
        },
        { id: 'pick', type: 'json', position: { x: 680, y: 20 }, data: { label: 'Pick the first tag', mode: 'pick', path: 'tags[0]' } },
        { id: 'show', type: 'debug', position: { x: 1000, y: 40 }, data: { label: 'Show' } },
      ],
      edges: [edge('city', 'text', 'card', 'city'), edge('card', 'text', 'pick', 'value'), edge('pick', 'json', 'show', 'value')],
    },
  },
  {
    id: 'summarize',
    name: 'Summarize a text',
    description: 'Text → LLM → Debug: paste an article, get three bullet points.',
    needsProvider: true,
    workflow: {
      nodes: [
        {
          id: 'article',
          type: 'text',
          position: { x: 0, y: 0 },
          data: {
            label: 'Article',
            text: 'Paste any article here. Galaxy Flow runs each node as soon as its inputs are ready, streams model output as it arrives, and keeps every run in its history.',
          },
        },
        {
          id: 'summarize',
          type: 'llm',
          position: { x: 360, y: 0 },
          data: { label: 'Summarize', system: 'You are a concise editor.', prompt: 'Summarize in three bullet points:\n\n{{input}}' },
        },
        { id: 'show', type: 'debug', position: { x: 760, y: 0 }, data: { label: 'Summary' } },
      ],
      edges: [edge('article', 'text', 'summarize', 'prompt'), edge('summarize', 'text', 'show', 'value')],
    },
  },
  {
    id: 'describe-image',
    name: 'Describe an image',
    description: 'Image → Vision → Debug: what is in the picture?',
    needsProvider: true,
    workflow: {
      nodes: [
        {
          id: 'photo',
          type: 'image',
          position: { x: 0, y: 0 },
          data: { label: 'Photo', url: 'https://upload.wikimedia.org/wikipedia/commons/3/3a/Cat03.jpg' },
        },
        { id: 'question', type: 'text', position: { x: 0, y: 200 }, data: { label: 'Question', text: 'Describe this picture in two sentences.' } },
        { id: 'look', type: 'vision', position: { x: 360, y: 60 }, data: { label: 'Look' } },
        { id: 'show', type: 'debug', position: { x: 720, y: 80 }, data: { label: 'Description' } },
      ],
      edges: [edge('photo', 'image', 'look', 'image'), edge('question', 'text', 'look', 'prompt'), edge('look', 'text', 'show', 'value')],
    },
  },
  {
    id: 'extract-fields',
    name: 'Extract fields from a review',
    description: 'Text → LLM with an output schema → Template: each schema field is an output of its own.',
    needsProvider: true,
    workflow: {
      nodes: [
        {
          id: 'review',
          type: 'text',
          position: { x: 0, y: 40 },
          data: { label: 'Review', text: 'Lovely screen and fast, but the battery barely lasts a day. Would buy again.' },
        },
        {
          id: 'extract',
          type: 'llm',
          position: { x: 340, y: 0 },
          data: {
            label: 'Extract',
            prompt: 'Read this product review and fill in the fields.\n\n{{input}}',
            jsonMode: true,
            jsonSchema: {
              type: 'object',
              properties: {
                summary: { type: 'string', description: 'The review in one short sentence.' },
                score: { type: 'integer', description: 'How happy the reviewer is, 1 to 5.' },
                complaints: { type: 'array', description: 'What the reviewer disliked, a few words each.' },
              },
              required: ['summary', 'score'],
            },
          },
        },
        { id: 'card', type: 'template', position: { x: 760, y: 20 }, data: { label: 'Card', template: '{{score}}/5: {{summary}}' } },
        { id: 'show', type: 'debug', position: { x: 1080, y: 40 }, data: { label: 'Show' } },
      ],
      edges: [
        edge('review', 'text', 'extract', 'prompt'),
        edge('extract', 'summary', 'card', 'summary'),
        edge('extract', 'score', 'card', 'score'),
        edge('card', 'text', 'show', 'value'),
      ],
    },
  },
  {
    id: 'three-drafts',
    name: 'Three drafts in parallel, then pick the best',
    description: 'One brief fans out to three LLM drafts that run at once; a judge picks the best.',
    needsProvider: true,
    workflow: {
      nodes: [
        { id: 'brief', type: 'text', position: { x: 0, y: 200 }, data: { label: 'Brief', text: 'A one-line tagline for a graph-based AI workflow editor.' } },
        { id: 'draft1', type: 'llm', position: { x: 340, y: 0 }, data: { label: 'Draft: plain', prompt: 'Write it plainly: {{input}}', temperature: 0.3 } },
        { id: 'draft2', type: 'llm', position: { x: 340, y: 200 }, data: { label: 'Draft: playful', prompt: 'Write it playfully: {{input}}', temperature: 0.9 } },
        { id: 'draft3', type: 'llm', position: { x: 340, y: 400 }, data: { label: 'Draft: bold', prompt: 'Write it boldly: {{input}}', temperature: 1.2 } },
        {
          id: 'judge',
          type: 'llm',
          position: { x: 740, y: 200 },
          data: { label: 'Pick the best', prompt: 'Brief: {{input}}\n\nCandidates:\n{{context}}\n\nReply with the best candidate only.', temperature: 0 },
        },
        { id: 'show', type: 'debug', position: { x: 1120, y: 200 }, data: { label: 'Winner' } },
      ],
      edges: [
        edge('brief', 'text', 'draft1', 'prompt'),
        edge('brief', 'text', 'draft2', 'prompt'),
        edge('brief', 'text', 'draft3', 'prompt'),
        edge('brief', 'text', 'judge', 'prompt'),
        edge('draft1', 'text', 'judge', 'context'),
        edge('draft2', 'text', 'judge', 'context'),
        edge('draft3', 'text', 'judge', 'context'),
        edge('judge', 'text', 'show', 'value'),
      ],
    },
  },
];
