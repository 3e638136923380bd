import { SECRET_NAME } from '@galaxyflow/engine';

/** Environment variables that hold secrets for HTTP Request nodes: `GALAXY_SECRET_<NAME>`. */
export const SECRET_PREFIX = 'GALAXY_SECRET_';

/**
 * The secrets HTTP Request nodes may name, read from `GALAXY_SECRET_<NAME>` variables: a node
 * with `auth: { secret: 'GITHUB_TOKEN' }` gets the value of `GALAXY_SECRET_GITHUB_TOKEN`. Only
 * names of capitals, digits and `_` count (as a node can name them); empty values are left out.
 */
export function secretsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(SECRET_PREFIX) || !value) continue;
    const name = key.slice(SECRET_PREFIX.length);
    if (SECRET_NAME.test(name)) secrets[name] = value;
  }
  return secrets;
}
