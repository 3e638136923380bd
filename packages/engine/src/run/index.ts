export type { DrainOptions, RunHandle } from './handle';
export { runWorkflow, startRun } from './startRun';
