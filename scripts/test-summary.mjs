#!/usr/bin/env node
// Adds up the test counts every runner wrote under test-results/ and prints one total line,
// so the end of `npm test` says how many tests ran, whichever package they are in.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const rows = [];

const vitestDir = join(root, 'test-results', 'vitest');
if (existsSync(vitestDir)) {
  for (const file of readdirSync(vitestDir).filter((f) => f.endsWith('.json')).sort()) {
    const report = JSON.parse(readFileSync(join(vitestDir, file), 'utf8'));
    rows.push({
      name: `vitest ${file.replace(/\.json$/, '')}`,
      passed: report.numPassedTests ?? 0,
      failed: report.numFailedTests ?? 0,
      skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    });
  }
}

const playwrightDir = join(root, 'test-results', 'playwright');
if (existsSync(playwrightDir)) {
  for (const file of readdirSync(playwrightDir).filter((f) => f.endsWith('.json')).sort()) {
    const { stats = {} } = JSON.parse(readFileSync(join(playwrightDir, file), 'utf8'));
    rows.push({
      name: `playwright ${file.replace(/\.json$/, '')}`,
      passed: (stats.expected ?? 0) + (stats.flaky ?? 0),
      failed: stats.unexpected ?? 0,
      skipped: stats.skipped ?? 0,
    });
  }
}

// Storybook stories played in Chromium (packages/react-editor/test/stories.mjs).
const storiesDir = join(root, 'test-results', 'stories');
if (existsSync(storiesDir)) {
  for (const file of readdirSync(storiesDir).filter((f) => f.endsWith('.json')).sort()) {
    const { passed = 0, failed = 0, skipped = 0 } = JSON.parse(readFileSync(join(storiesDir, file), 'utf8'));
    rows.push({ name: `stories ${file.replace(/\.json$/, '')}`, passed, failed, skipped });
  }
}

if (rows.length === 0) {
  console.error('No test results were found under test-results/: did the tests run?');
  process.exit(1);
}
// Coverage each package measured (its `json-summary` report), printed above the total line.
const coverage = [];
for (const pkg of ['engine', 'server-adapter', 'react-editor']) {
  const file = join(root, 'packages', pkg, 'coverage', 'coverage-summary.json');
  if (!existsSync(file)) continue;
  const { total: t } = JSON.parse(readFileSync(file, 'utf8'));
  const pcts = ['lines', 'branches', 'statements', 'functions'].map((k) => `${k} ${t[k].pct.toFixed(1)} %`);
  coverage.push(`  ${pkg.padEnd(44)} ${pcts.join('  ')}`);
}

const total = rows.reduce((t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });
console.log('\nTest totals');
for (const r of rows) console.log(`  ${r.name.padEnd(44)} ${String(r.passed).padStart(5)} passed  ${String(r.failed).padStart(3)} failed  ${String(r.skipped).padStart(3)} skipped`);
if (coverage.length > 0) console.log(`\nCoverage\n${coverage.join('\n')}`);
console.log(`\nTests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 || total.passed === 0 ? 1 : 0);
