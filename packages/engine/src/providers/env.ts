import { providerCatalog } from './catalog';
import { providerError } from './errors';
import {
  createProviderSet,
  type FallbackTarget,
  type ProviderSet,
  type ProviderSetOptions,
} from './providerSet';
import type { Env, LLMProvider, ProviderFactory } from './types';

/** Everything of `ProviderSetOptions` but the providers, which come from the environment. */
export type ProvidersFromEnvOptions = Omit<ProviderSetOptions, 'providers'> & {
  /** Providers to add to the ones built from the environment (a host's own). Default none. */
  extraProviders?: readonly LLMProvider[];
};

/**
 * Reads `LLM_FALLBACK`, an ordered list like `gemini,groq=llama-3.3-70b-versatile`: each
 * configured provider falls back to the configured ones after it, `=model` picking the model.
 */
export function parseFallbackList(
  value: string | undefined,
  configured: readonly string[],
): Record<string, FallbackTarget[]> {
  const order: FallbackTarget[] = [];
  for (const item of (value ?? '').split(',')) {
    const trimmed = item.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    const provider = (eq < 0 ? trimmed : trimmed.slice(0, eq)).trim();
    const model = eq < 0 ? '' : trimmed.slice(eq + 1).trim();
    if (configured.includes(provider) && !order.some((t) => t.provider === provider)) {
      order.push(model ? { provider, model } : { provider });
    }
  }
  const chains: Record<string, FallbackTarget[]> = {};
  order.forEach((target, i) => {
    const rest = order.slice(i + 1);
    if (rest.length > 0) chains[target.provider] = rest;
  });
  return chains;
}

/**
 * Builds a `ProviderSet` from environment variables, for servers. The engine never reads
 * `process.env` itself, and its main entry never imports an SDK: the host passes the
 * environment and the factories of the providers it wants, each from its own subpath.
 *
 * ```ts
 * import { createProvidersFromEnv } from '@galaxyflow/engine';
 * import { geminiFromEnv } from '@galaxyflow/engine/providers/gemini';
 * import { groqFromEnv } from '@galaxyflow/engine/providers/groq';
 * import { openaiCompatibleFromEnv } from '@galaxyflow/engine/providers/openai-compatible';
 *
 * const providers = createProvidersFromEnv(process.env, [geminiFromEnv, groqFromEnv, openaiCompatibleFromEnv]);
 * ```
 *
 * Variables: `GEMINI_API_KEY` (+ `GEMINI_BASE_URL`), `GROQ_API_KEY` (+ `GROQ_BASE_URL`),
 * `OPENAI_COMPATIBLE_BASE_URL` (+ `OPENAI_COMPATIBLE_API_KEY`, `OPENAI_COMPATIBLE_MODEL`,
 * `OPENAI_COMPATIBLE_VISION_MODEL`), and `LLM_FALLBACK` for the fallback order unless
 * `options.fallbacks` is given. A provider whose variable is set but whose factory was not
 * passed is a configuration mistake and throws at once, rather than failing every run later.
 */
export function createProvidersFromEnv(
  env: Env,
  factories: readonly ProviderFactory[],
  options: ProvidersFromEnvOptions = {},
): ProviderSet {
  const passed = new Set(factories.map((factory) => factory.name));
  for (const info of providerCatalog) {
    if (env[info.requiredEnv]?.trim() && !passed.has(info.name)) {
      throw providerError(
        'E_PROVIDER_NOT_CONFIGURED',
        `${info.requiredEnv} is set but the ${info.name} provider was not passed to createProvidersFromEnv; import its factory from @galaxyflow/engine/providers/${info.name}.`,
        { details: { provider: info.name, env: info.requiredEnv } },
      );
    }
  }
  const providers: LLMProvider[] = [];
  for (const factory of factories) {
    const provider = factory.fromEnv(env);
    if (provider) providers.push(provider);
  }
  providers.push(...(options.extraProviders ?? []));
  const { extraProviders: _extra, ...setOptions } = options;
  const fallbacks =
    setOptions.fallbacks ??
    parseFallbackList(
      env.LLM_FALLBACK,
      providers.map((p) => p.name),
    );
  return createProviderSet({ ...setOptions, providers, fallbacks });
}
