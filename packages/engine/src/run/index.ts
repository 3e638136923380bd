export type { DrainOptions, RunHandle } from './startRun';
export { runWorkflow, startRun } from './startRun';
