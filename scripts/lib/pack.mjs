// Packs the published packages as `pnpm publish` would (workspace: ranges replaced by
// versions, publishConfig applied), for the scripts that check what a user installs.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const root = new URL('../..', import.meta.url).pathname;

/** The published packages, by folder under packages/. */
export const packages = ['engine', 'react-editor', 'server-adapter'];

/** Packs `packages/<pkg>` into `destination`; returns the tarball's path. */
export function pack(pkg, destination) {
  const out = execFileSync('pnpm', ['pack', '--pack-destination', destination], {
    cwd: join(root, 'packages', pkg),
    encoding: 'utf8',
  });
  return out.trim().split('\n').at(-1).trim();
}

/** Packs every package into `destination`; returns `{ [pkg]: tarball path }`. */
export function packAll(destination) {
  return Object.fromEntries(packages.map((pkg) => [pkg, pack(pkg, destination)]));
}

/** The npm name of a package folder under packages/ (`engine` -> `@galaxyflow/engine`). */
export const npmName = (pkg) => `@galaxyflow/${pkg}`;
