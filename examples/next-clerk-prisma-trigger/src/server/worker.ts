import {
  builtinNodes,
  type CircuitSync,
  createProvidersFromEnv,
  createRegistry,
  llmContext,
  type ProviderSet,
} from '@galaxyflow/engine';
import { createImageFetcher } from '@galaxyflow/engine/node';
import { geminiFromEnv } from '@galaxyflow/engine/providers/gemini';
import { groqFromEnv } from '@galaxyflow/engine/providers/groq';
import { openaiCompatibleFromEnv } from '@galaxyflow/engine/providers/openai-compatible';
import type { ExecuteRunDeps } from '@galaxyflow/server-adapter';
import { readWorkerEnv } from './env';
import { sentryErrorHook } from './errorReporting';
import { openSharedRedis } from './redis';
import { openStore } from './store';

/** What every run executed in this process shares: built once, on the first run. */
export type WorkerDeps = Omit<ExecuteRunDeps, 'workerId' | 'cancelSignal' | 'releaseSignal'>;

/** A worker's dependencies and what lets go of their connections. */
export interface WorkerHost {
  deps: WorkerDeps;
  close(): Promise<void>;
}

type RawEnv = Readonly<Record<string, string | undefined>>;

let deps: Promise<WorkerDeps> | undefined;

/**
 * The LLM providers (`GEMINI_API_KEY`, `GROQ_API_KEY`, `OPENAI_COMPATIBLE_BASE_URL`) for the
 * nodes; with `circuitSync`, their circuit breakers follow every other process's.
 */
export function nodeProviders(env: RawEnv, circuitSync?: CircuitSync): ProviderSet {
  return createProvidersFromEnv(
    env,
    [geminiFromEnv, groqFromEnv, openaiCompatibleFromEnv],
    circuitSync ? { circuitSync } : {},
  );
}

/**
 * Builds the worker's store, node registry and LLM providers from `env`: `DATABASE_URL`, and
 * `GEMINI_API_KEY`, `GROQ_API_KEY` or `OPENAI_COMPATIBLE_BASE_URL` for the LLM nodes. With
 * `REDIS_URL`, run events are published on Redis (so an event stream on any app instance hears
 * them at once) and the providers' circuit breakers are shared with every other process.
 */
export async function buildWorkerDeps(env: RawEnv = process.env): Promise<WorkerHost> {
  const checked = readWorkerEnv(env);
  // Said once per worker start, so an LLM node's failure is not the first sign.
  for (const warning of checked.warnings) console.warn(`galaxy-run: ${warning}`);
  const redis = checked.REDIS_URL
    ? await openSharedRedis(checked.REDIS_URL, (what, error) =>
        console.error(`galaxy-run: ${what}: Redis trouble`, error),
      )
    : undefined;
  try {
    const store = (await openStore(checked.DATABASE_URL)).galaxy;
    const providers = nodeProviders(env, redis?.circuitSync);
    const onError = await sentryErrorHook(checked);
    return {
      deps: {
        ...(onError ? { onError } : {}),
        store,
        registry: createRegistry(builtinNodes),
        context: llmContext({ providers, fetchImage: createImageFetcher() }),
        ...(redis ? { events: redis.events } : {}),
      },
      async close() {
        providers.close();
        await redis?.close();
        await store.close();
      },
    };
  } catch (error) {
    await redis?.close();
    throw error;
  }
}

/** The worker's dependencies from `process.env`, built on the first run and kept for the next. */
export function workerDeps(): Promise<WorkerDeps> {
  deps ??= buildWorkerDeps()
    .then((host) => host.deps)
    .catch((error: unknown) => {
      // The next attempt tries again (e.g. once Redis or the database is up).
      deps = undefined;
      throw error;
    });
  return deps;
}
