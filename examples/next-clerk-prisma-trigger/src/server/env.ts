import { z } from 'zod';

const databaseUrl = z
  .string({
    error:
      'DATABASE_URL is not set: use postgres://… in production or file:./data/galaxy.db locally.',
  })
  .refine((url) => /^(postgres(ql)?:\/\/|file:)/.test(url), {
    error: 'DATABASE_URL must start with postgres://, postgresql:// or file:.',
  });

const serverEnvSchema = z.object({
  DATABASE_URL: databaseUrl,
  /** Per-user cap on runs executing at once, enforced by the Trigger.dev queue's concurrency. */
  GALAXY_MAX_RUNNING_PER_USER: z.coerce.number().int().positive().default(2),
  /**
   * Whether the last `X-Forwarded-For` entry is the caller's address (for the failed sign-in
   * limit). Only true behind a proxy that appends it (Vercel, Cloudflare, nginx or a load
   * balancer with `proxy_add_x_forwarded_for`); otherwise any client picks its own address.
   * Default false.
   */
  GALAXY_TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'], {
      error:
        'GALAXY_TRUST_PROXY must be true or false: true only behind a proxy that appends X-Forwarded-For (Vercel, Cloudflare, nginx).',
    })
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
});

export type ServerEnv = z.infer<typeof serverEnvSchema>;

/** The variables this app reads itself (Clerk, Trigger.dev and providers read their own). */
export function readServerEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ServerEnv {
  const parsed = serverEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `- ${issue.message}`).join('\n');
    throw new Error(
      `Galaxy Flow cannot start; fix the environment (see .env.example):\n${problems}`,
    );
  }
  return parsed.data;
}
