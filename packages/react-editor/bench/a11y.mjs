// Runs axe on every built Storybook story and lists serious and critical violations.
//   node bench/a11y.mjs   (after the Storybook build)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { serveStatic } from './serve.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const root = fileURLToPath(new URL('../../../storybook-static/', import.meta.url));
const index = JSON.parse(readFileSync(`${root}/index.json`, 'utf8'));
const stories = Object.values(index.entries).filter((entry) => entry.type === 'story');

const server = await serveStatic(root);
const browser = await launchChromium();
let serious = 0;
try {
  for (const story of stories) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    await page.goto(`${server.url}/iframe.html?id=${story.id}&viewMode=story`);
    await page.waitForSelector('.gf-editor', { timeout: 60_000 });
    await page.waitForTimeout(Number(process.env.WAIT_MS ?? 1_500));
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document.querySelector('#storybook-root') ?? document, {
        resultTypes: ['violations'],
      });
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, target: v.nodes[0]?.target.join(' ') }));
    });
    serious += violations.length;
    console.log(`${violations.length === 0 ? 'ok  ' : 'FAIL'} ${story.id}`);
    for (const v of violations) console.log(`     ${v.impact} ${v.id}: ${v.help} (${v.nodes} nodes, e.g. ${v.target})`);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`${stories.length} stories, ${serious} serious or critical axe violations`);
process.exitCode = serious > 0 ? 1 : 0;
