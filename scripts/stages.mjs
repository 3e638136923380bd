#!/usr/bin/env node
// Runs the root scripts named on the command line one after another, as `pnpm run <name>`,
// stopping at the first that fails, and prints how long each took, so a slow CI run says
// where its time went.
import { spawnSync } from 'node:child_process';

const stages = process.argv.slice(2);
const timings = [];
let failed;
for (const stage of stages) {
  const started = performance.now();
  const { status, signal } = spawnSync('pnpm', ['run', stage], { stdio: 'inherit' });
  timings.push({ stage, seconds: (performance.now() - started) / 1000 });
  if (status !== 0) {
    failed = { stage, status: status ?? 1, signal };
    break;
  }
}

const width = Math.max(...stages.map((s) => s.length));
console.log('\nStage times');
for (const { stage, seconds } of timings) console.log(`  ${stage.padEnd(width)}  ${seconds.toFixed(1).padStart(6)} s`);
const total = timings.reduce((sum, t) => sum + t.seconds, 0);
console.log(`  ${'total'.padEnd(width)}  ${total.toFixed(1).padStart(6)} s`);
if (failed) {
  console.error(`\n"${failed.stage}" failed${failed.signal ? ` (${failed.signal})` : ''}.`);
  process.exit(failed.status);
}
