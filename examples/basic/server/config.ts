import { z } from 'zod';

const port = z.coerce
  .number({ error: 'PORT must be a port number, e.g. PORT=3000.' })
  .int('PORT must be a whole number, e.g. PORT=3000.')
  .min(0, 'PORT must be between 0 and 65535.')
  .max(65535, 'PORT must be between 0 and 65535.');

const url = (name: string) => z.url({ error: `${name} must be a URL, e.g. ${name}=http://127.0.0.1:11434/v1.` }).optional();

/**
 * What the app reads from its environment. Invalid values stop the start with a message
 * naming the variable and what to set it to; `.env.example` documents each one.
 */
export const EnvSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  AUTH_TOKENS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      const tokens: Record<string, string> = {};
      for (const pair of value.split(',')) {
        const [token, userId, extra] = pair.trim().split('=');
        if (!token || !userId || extra !== undefined) {
          ctx.addIssue({ code: 'custom', message: 'AUTH_TOKENS must be token=user pairs separated by commas, e.g. AUTH_TOKENS=3f9c…=alice,8b1d…=bob.' });
          return z.NEVER;
        }
        if (token.length < 24) {
          ctx.addIssue({ code: 'custom', message: `AUTH_TOKENS: the token for "${userId}" is too short; use at least 24 random characters (openssl rand -hex 16).` });
          return z.NEVER;
        }
        tokens[token] = userId;
      }
      return tokens;
    }),
  PUBLIC_URL: url('PUBLIC_URL'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GEMINI_API_KEY: z.string().min(1).optional(),
  GEMINI_BASE_URL: url('GEMINI_BASE_URL'),
  GROQ_API_KEY: z.string().min(1).optional(),
  GROQ_BASE_URL: url('GROQ_BASE_URL'),
  OPENAI_COMPATIBLE_BASE_URL: url('OPENAI_COMPATIBLE_BASE_URL'),
  OPENAI_COMPATIBLE_API_KEY: z.string().min(1).optional(),
  LLM_FALLBACK: z.string().optional(),
});

export type AppConfig = z.output<typeof EnvSchema>;

/** Thrown when the environment is invalid; its message lists every problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  // Empty strings mean "unset", as they do in most .env files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || 'environment'}: ${issue.message}`);
  throw new ConfigError(`The app cannot start; fix these settings (see .env.example):\n${lines.join('\n')}`);
}
