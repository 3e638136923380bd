import { type SecretEntry, SECRET_NAME } from '@galaxyflow/engine';
import { ConfigError } from './config';

/** Environment variables that hold secrets for HTTP Request nodes: `GALAXY_SECRET_<NAME>`. */
export const SECRET_PREFIX = 'GALAXY_SECRET_';
/** The host names each secret may be sent to: `GALAXY_SECRET_HOSTS_<NAME>`. */
export const HOSTS_PREFIX = 'GALAXY_SECRET_HOSTS_';

/**
 * The secrets HTTP Request nodes may name, read from `GALAXY_SECRET_<NAME>` variables: a node
 * with `auth: { secret: 'GITHUB_TOKEN' }` gets the value of `GALAXY_SECRET_GITHUB_TOKEN`. Each
 * needs `GALAXY_SECRET_HOSTS_<NAME>`, the comma-separated host names it may be sent to
 * (`api.github.com`, `*.example.com`; `*` for any host), since every user of the app may name
 * every secret: without the list, a workflow could send the secret to a server of its
 * author's choosing. Throws a `ConfigError` listing what is missing or malformed.
 */
export function secretsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, SecretEntry> {
  const secrets: Record<string, SecretEntry> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(SECRET_PREFIX) || key.startsWith(HOSTS_PREFIX) || !value) continue;
    const name = key.slice(SECRET_PREFIX.length);
    if (!SECRET_NAME.test(name)) {
      problems.push(
        `${key}: a secret name is capitals, digits and _ (e.g. GALAXY_SECRET_GITHUB_TOKEN).`,
      );
      continue;
    }
    const hosts = (env[`${HOSTS_PREFIX}${name}`] ?? '')
      .split(',')
      .map((host) => host.trim())
      .filter(Boolean);
    if (hosts.length === 0) {
      problems.push(
        `${key} needs ${HOSTS_PREFIX}${name}: the host names it may be sent to, e.g. api.github.com (* for any host).`,
      );
      continue;
    }
    secrets[name] = hosts.includes('*') ? { value } : { value, hosts };
  }
  for (const key of Object.keys(env)) {
    if (key.startsWith(HOSTS_PREFIX) && !env[`${SECRET_PREFIX}${key.slice(HOSTS_PREFIX.length)}`]) {
      problems.push(
        `${key} names the hosts of a secret that is not set (${SECRET_PREFIX}${key.slice(HOSTS_PREFIX.length)}).`,
      );
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `The app cannot start; fix these settings (see .env.example):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return secrets;
}
