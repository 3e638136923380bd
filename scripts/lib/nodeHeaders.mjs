import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Where Node's C headers live, for node-gyp (better-sqlite3 compiles against them when no
 * prebuilt binary fits): `npm_config_nodedir` when set, else next to this node binary, or the
 * system's. pnpm ignores `nodedir` in .npmrc, so installs pass it as that variable.
 */
export function nodeHeadersDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = dirname(dirname(process.execPath));
  for (const dir of [prefix, '/usr', '/usr/local']) {
    if (existsSync(join(dir, 'include', 'node', 'node.h'))) return dir;
  }
  return undefined;
}
