import {
  builtinNodes,
  createProvidersFromEnv,
  createRegistry,
  llmContext,
  type RunContext,
} from '@galaxyflow/engine';
import { createImageFetcher } from '@galaxyflow/engine/node';
import { geminiFromEnv } from '@galaxyflow/engine/providers/gemini';
import { groqFromEnv } from '@galaxyflow/engine/providers/groq';
import { openaiCompatibleFromEnv } from '@galaxyflow/engine/providers/openai-compatible';
import type { ExecuteRunDeps } from '@galaxyflow/server-adapter';
import { readWorkerEnv } from './env';
import { openStore } from './store';

/** What every run executed in this process shares: built once, on the first run. */
export type WorkerDeps = Omit<ExecuteRunDeps, 'workerId' | 'cancelSignal' | 'releaseSignal'>;

let deps: Promise<WorkerDeps> | undefined;

/** The LLM providers (`GEMINI_API_KEY`, `GROQ_API_KEY`, `OPENAI_COMPATIBLE_BASE_URL`) for the nodes. */
export function nodeContext(): RunContext {
  const providers = createProvidersFromEnv(process.env, [
    geminiFromEnv,
    groqFromEnv,
    openaiCompatibleFromEnv,
  ]);
  return llmContext({ providers, fetchImage: createImageFetcher() });
}

/**
 * The worker's store, node registry and LLM providers, from the environment: `DATABASE_URL`,
 * and `GEMINI_API_KEY`, `GROQ_API_KEY` or `OPENAI_COMPATIBLE_BASE_URL` for the LLM nodes.
 */
export function workerDeps(): Promise<WorkerDeps> {
  deps ??= (async () => {
    const env = readWorkerEnv();
    // Said once per worker start, so an LLM node's failure is not the first sign.
    for (const warning of env.warnings) console.warn(`galaxy-run: ${warning}`);
    return {
      store: (await openStore(env.DATABASE_URL)).galaxy,
      registry: createRegistry(builtinNodes),
      context: nodeContext(),
    };
  })();
  return deps;
}
