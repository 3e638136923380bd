import { describe } from 'vitest';
import { providerRules } from './providers';
import { runRules } from './runs';
import type { EditorClientContractOptions } from './types';
import { versionRules } from './versions';
import { workflowRules } from './workflows';

export type { EditorClientContractOptions, EditorClientHarness } from './types';

/**
 * What every `EditorClient` guarantees the editor: workflows open and save with their
 * version, a stale save is a conflict `isConflictError` recognises, and runs stream every
 * event once (replayed to late subscribers), cancel, and list in the history. The memory
 * client and the server's HTTP client run it unchanged; so can a host's own client:
 * `runEditorClientContract({ name: 'my API', create: ({ registry }) => ... })` in a Vitest file.
 */
export function runEditorClientContract(options: EditorClientContractOptions): void {
  describe(`EditorClient contract: ${options.name}`, () => {
    workflowRules(options);
    runRules(options);
    providerRules(options);
    versionRules(options);
  });
}
