import type { CreateRunInput, GalaxyStore, WorkflowContent } from '../../store/types';

/** The store's clock in ms; a test moves it forward by hand. */
export interface Clock {
  ms: number;
}

/** Registers one test that gets a fresh store with ALICE and BOB already known, closed after. */
export type WithStore = (
  name: string,
  fn: (store: GalaxyStore, clock: Clock) => Promise<void>,
) => void;

export const ALICE = 'user-alice';
export const BOB = 'user-bob';

export function content(name: string, extra: Partial<WorkflowContent> = {}): WorkflowContent {
  return {
    name,
    description: '',
    tags: [],
    nodes: [{ id: 'a', type: 'text', data: { text: name } }],
    edges: [],
    ...extra,
  };
}

export const adHoc = (extra: Partial<CreateRunInput> = {}): CreateRunInput => ({
  workflowId: null,
  workflowVersion: null,
  graph: { nodes: [{ id: 'a', type: 'text', data: {} }], edges: [] },
  scope: 'FULL',
  targetNodeIds: null,
  reuseRunId: null,
  ...extra,
});

/** 2025-01-01T00:00:00Z in epoch ms. */
export const JAN_1 = Date.UTC(2025, 0, 1);

/** A node result with nothing but its attempt: every optional field absent, as the engine leaves it. */
export const emptyResult = { attempts: 1, startedAt: JAN_1 };
export const zeroCounts = { total: 0, success: 0, failed: 0, skipped: 0, canceled: 0 };
