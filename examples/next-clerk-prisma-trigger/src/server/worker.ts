import {
  builtinNodes,
  createProvidersFromEnv,
  createRegistry,
  llmContext,
} from '@galaxyflow/engine';
import { createImageFetcher } from '@galaxyflow/engine/node';
import { geminiFromEnv } from '@galaxyflow/engine/providers/gemini';
import { groqFromEnv } from '@galaxyflow/engine/providers/groq';
import { openaiCompatibleFromEnv } from '@galaxyflow/engine/providers/openai-compatible';
import type { ExecuteRunDeps } from '@galaxyflow/server-adapter';
import { readServerEnv } from './env';
import { openStore } from './store';

/** What every run executed in this process shares: built once, on the first run. */
export type WorkerDeps = Omit<ExecuteRunDeps, 'workerId' | 'cancelSignal' | 'releaseSignal'>;

let deps: Promise<WorkerDeps> | undefined;

/**
 * The worker's store, node registry and LLM providers, from the environment: `DATABASE_URL`,
 * and `GEMINI_API_KEY`, `GROQ_API_KEY` or `OPENAI_COMPATIBLE_BASE_URL` for the LLM nodes.
 */
export function workerDeps(): Promise<WorkerDeps> {
  deps ??= (async () => {
    const env = readServerEnv();
    const providers = createProvidersFromEnv(process.env, [
      geminiFromEnv,
      groqFromEnv,
      openaiCompatibleFromEnv,
    ]);
    return {
      store: await openStore(env.DATABASE_URL),
      registry: createRegistry(builtinNodes),
      context: llmContext({ providers, fetchImage: createImageFetcher() }),
    };
  })();
  return deps;
}
