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
 * Refuses a base URL variable that carries a user name or password (`http://user:pass@host`):
 * a URL travels into logs and error messages, a key in its own variable does not.
 */
function refuseUrlCredentials(env: Env, factory: ProviderFactory): void {
  for (const variable of factory.envVars) {
    const value = env[variable]?.trim();
    if (!variable.endsWith('_BASE_URL') || !value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue; // The provider's own check names a malformed URL.
    }
    if (url.username === '' && url.password === '') continue;
    const keyVariable = factory.envVars.find((name) => name.endsWith('_API_KEY'));
    throw providerError(
      'E_PROVIDER_NOT_CONFIGURED',
      `${variable} holds a user name or password (user:password@host); remove them from the URL${keyVariable ? ` and put the key in ${keyVariable}` : ''}. A URL ends up in logs and error messages.`,
      { details: { provider: factory.name, env: variable } },
    );
  }
}

/** One provider setting that would be ignored in silence, and what to do about it. */
export interface ProviderEnvIssue {
  /** The variable to fix, e.g. `GEMINI_API_KEY` or `LLM_FALLBACK`. */
  variable: string;
  /** What is wrong and how to fix it. */
  message: string;
}

/**
 * Checks a host's provider variables before `createProvidersFromEnv` reads them, so a typo
 * stops the start instead of failing every LLM node later: a provider's extra settings without
 * the variable that switches it on, and `LLM_FALLBACK` entries that name an unknown or
 * unconfigured provider (the engine skips them, so fallback would be off unnoticed). Blank
 * values count as unset. Empty when all is well.
 */
export function providerEnvIssues(env: Env): ProviderEnvIssue[] {
  const set = (name: string) => env[name] !== undefined && env[name]?.trim() !== '';
  const issues: ProviderEnvIssue[] = [];
  for (const info of providerCatalog) {
    if (set(info.requiredEnv)) continue;
    for (const optional of info.optionalEnv.filter(set)) {
      issues.push({
        variable: info.requiredEnv,
        message: `${optional} is set but ${info.requiredEnv} is not, so the ${info.label} provider stays off: set ${info.requiredEnv} too, or remove ${optional}.`,
      });
    }
  }
  const names = providerCatalog.map((info) => info.name);
  for (const item of (env.LLM_FALLBACK ?? '').split(',')) {
    const name = item.split('=')[0]?.trim();
    if (!name) continue;
    const info = providerCatalog.find((candidate) => candidate.name === name);
    if (!info) {
      issues.push({
        variable: 'LLM_FALLBACK',
        message: `LLM_FALLBACK names "${name}", which is not a provider; use ${names.join(', ')}, e.g. LLM_FALLBACK=gemini,groq=llama-3.1-8b-instant.`,
      });
    } else if (!set(info.requiredEnv)) {
      issues.push({
        variable: 'LLM_FALLBACK',
        message: `LLM_FALLBACK names ${name}, but ${info.requiredEnv} is not set: set it, or take ${name} out of the list.`,
      });
    }
  }
  return issues;
}

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
 * passed is a configuration mistake and throws at once, rather than failing every run later; so
 * does a `*_BASE_URL` with a user name or password in it (the key goes in the `*_API_KEY`).
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
  for (const factory of factories) refuseUrlCredentials(env, factory);
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
