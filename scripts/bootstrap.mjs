#!/usr/bin/env node
// Makes a fresh machine ready for `npm start` and `npm test`: pnpm, the workspace's
// dependencies (better-sqlite3 compiles against Node's headers) and, with --browser,
// Chromium for the end-to-end tests and the editor benchmark. Safe to run again: each
// step is skipped when it is already done.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { nodeHeadersDir } from './lib/nodeHeaders.mjs';

const PNPM = 'pnpm@12';
const CHROMIUM = '/usr/bin/chromium';

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function run(command, env = {}) {
  console.log(`\n> ${command}`);
  execSync(command, { stdio: 'inherit', env: { ...process.env, ...env } });
}

if (!has('pnpm')) run(`npm install --global ${PNPM}`);

const nodedir = nodeHeadersDir();
run('pnpm install --frozen-lockfile', nodedir ? { npm_config_nodedir: nodedir } : {});

if (process.argv.includes('--browser') && !existsSync(CHROMIUM)) {
  if (process.getuid?.() === 0) {
    run('apt-get update && apt-get install -y --no-install-recommends chromium', { DEBIAN_FRONTEND: 'noninteractive' });
  } else {
    console.error(`\nThe end-to-end tests need Chromium at ${CHROMIUM}: sudo apt-get install -y chromium`);
    process.exit(1);
  }
}
