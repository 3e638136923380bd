import { providerCatalog, providerEnvIssues } from '@galaxyflow/engine';
import { z } from 'zod';

/** An http(s) address; `localhost:11434` without a scheme parses as a URL too, so the scheme is checked. */
const url = (name: string, example: string) =>
  z
    .url({
      protocol: /^https?$/,
      error: `${name} must be an http(s) URL, e.g. ${name}=${example}.`,
    })
    .optional();

const value = (name: string, example: string) =>
  z.string().trim().min(1, `${name} must not be blank, e.g. ${name}=${example}.`).optional();

/**
 * The variables the LLM providers read through `createProvidersFromEnv`, checked as the
 * reference app checks them, so a typo stops the start instead of failing every LLM node later.
 */
export const providerEnvShape = {
  GEMINI_API_KEY: value('GEMINI_API_KEY', '<key from https://aistudio.google.com/apikey>'),
  GEMINI_BASE_URL: url('GEMINI_BASE_URL', 'https://generativelanguage.googleapis.com'),
  GROQ_API_KEY: value('GROQ_API_KEY', '<key from https://console.groq.com/keys>'),
  GROQ_BASE_URL: url('GROQ_BASE_URL', 'https://api.groq.com'),
  OPENAI_COMPATIBLE_BASE_URL: url('OPENAI_COMPATIBLE_BASE_URL', 'http://127.0.0.1:11434/v1'),
  OPENAI_COMPATIBLE_API_KEY: value('OPENAI_COMPATIBLE_API_KEY', '<the server’s key>'),
  OPENAI_COMPATIBLE_MODEL: value('OPENAI_COMPATIBLE_MODEL', 'llama3.2'),
  OPENAI_COMPATIBLE_VISION_MODEL: value('OPENAI_COMPATIBLE_VISION_MODEL', 'llama3.2-vision'),
  LLM_FALLBACK: z.string().optional(),
};

type ProviderEnv = { [K in keyof typeof providerEnvShape]?: string | undefined };

/** Adds an issue for each provider setting that would be ignored in silence (the engine's check). */
export function checkProviderEnv(env: ProviderEnv, ctx: z.RefinementCtx): void {
  for (const issue of providerEnvIssues(env)) {
    ctx.addIssue({ code: 'custom', path: [issue.variable], message: issue.message });
  }
}

/** Why LLM nodes will fail, or null when at least one provider is configured. */
export function missingProviderWarning(env: ProviderEnv): string | null {
  const set = providerCatalog.some(
    (info) => (env as Record<string, unknown>)[info.requiredEnv] !== undefined,
  );
  if (set) return null;
  const names = providerCatalog.map((info) => info.requiredEnv).join(', ');
  return `No LLM provider is configured: LLM and Vision nodes will fail until one of ${names} is set.`;
}
