// Renders Storybook stories in headless Chromium and saves PNGs: `node bench/screenshot.mjs <story-id>...`
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { serveStatic } from './serve.mjs';

const root = fileURLToPath(new URL('../../../storybook-static/', import.meta.url));
const out = process.env.OUT_DIR ?? '/tmp';
const wait = Number(process.env.WAIT_MS ?? 2500);
const server = await serveStatic(root);
const browser = await launchChromium();
try {
  for (const id of process.argv.slice(2)) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    page.on('pageerror', (error) => console.error(`[${id}] page error:`, error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') console.error(`[${id}] ${message.type()}:`, message.text());
    });
    await page.goto(`${server.url}/iframe.html?id=${id}&viewMode=story`);
    await page.waitForTimeout(wait);
    const file = `${out}/${id}.png`;
    await page.screenshot({ path: file, animations: 'disabled', timeout: 60_000 });
    console.log(file);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
