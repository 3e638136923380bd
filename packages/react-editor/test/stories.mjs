// Opens every story of the built Storybook in Chromium, as `npm test` does after the build:
// a story passes when it renders, its play function (if any) finishes without an error, no
// error reaches the page, and axe finds no serious or critical violation in it.
//   node packages/react-editor/test/stories.mjs   (after `pnpm build-storybook`)
// Counts go to test-results/stories/ for the total `npm test` prints at the end.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../bench/chromium.mjs';
import { serveStatic } from '../bench/serve.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const root = `${repo}storybook-static`;
const index = JSON.parse(readFileSync(`${root}/index.json`, 'utf8'));
const only = process.argv[2];
const stories = Object.values(index.entries).filter(
  (entry) => entry.type === 'story' && (!only || entry.id.includes(only)),
);
/** How long a story (with its play function) may take to finish. */
const FINISH_TIMEOUT_MS = 30_000;

async function checkStory(browser, url, story) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  try {
    await page.goto(`${url}/iframe.html?id=${story.id}&viewMode=story`);
    // Storybook's preview records the last event of each kind on its channel: STORY_FINISHED
    // comes after the play function, with status "error" when it threw or a report failed.
    const finished = await page
      .waitForFunction(() => globalThis.__STORYBOOK_ADDONS_CHANNEL__?.last('storyFinished')?.[0], null, {
        timeout: FINISH_TIMEOUT_MS,
        polling: 100,
      })
      .then((handle) => handle.jsonValue())
      .catch(() => undefined);
    if (!finished) {
      problems.push(`did not finish within ${FINISH_TIMEOUT_MS / 1000} s`);
      return problems;
    }
    const playError = await page.evaluate(
      () => globalThis.__STORYBOOK_ADDONS_CHANNEL__.last('playFunctionThrewException')?.[0]?.message,
    );
    if (playError) problems.push(`play function failed: ${playError.split('\n')[0]}`);
    else if (finished.status !== 'success') problems.push(`story ended with status "${finished.status}"`);
    if ((await page.locator('.gf-editor').count()) === 0) problems.push('no editor rendered');

    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document.querySelector('#storybook-root') ?? document, {
        resultTypes: ['violations'],
      });
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length} nodes, e.g. ${v.nodes[0]?.target.join(' ')})`);
    });
    problems.push(...violations.map((v) => `axe ${v}`));
    return problems;
  } finally {
    await page.close();
  }
}

const server = await serveStatic(root);
const browser = await launchChromium();
const failures = [];
try {
  for (const story of stories) {
    const problems = await checkStory(browser, server.url, story);
    console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${story.id}`);
    for (const problem of problems) console.log(`     ${problem}`);
    if (problems.length > 0) failures.push({ story: story.id, problems });
  }
} finally {
  await browser.close();
  server.close();
}

const passed = stories.length - failures.length;
console.log(`\n${stories.length} stories: ${passed} passed, ${failures.length} failed`);
if (!only) {
  mkdirSync(`${repo}test-results/stories`, { recursive: true });
  writeFileSync(
    `${repo}test-results/stories/react-editor.json`,
    JSON.stringify({ passed, failed: failures.length, skipped: 0, failures }, null, 2),
  );
}
process.exitCode = stories.length === 0 || failures.length > 0 ? 1 : 0;
