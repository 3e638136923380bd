import { crc32, deflateSync } from 'node:zlib';
import type { Page } from '@playwright/test';
import { canvasNode, connect, dragFromPalette, openBlankWorkflow, statusOf, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';

function chunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.byteLength);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid `size` x `size` RGB PNG, a red and blue gradient (stored, not compressed, when `stored`). */
function makePng(size = 16, stored = false): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) row.set([(x * 16) & 255, 0, (y * 16) & 255], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: stored ? 0 : 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** Drops a file from the desktop on the canvas at `offset` from its centre, as a browser delivers it. */
async function dropFile(page: Page, name: string, bytes: Buffer, offset: { x: number; y: number }) {
  const pane = page.locator('.react-flow__pane');
  const box = (await pane.boundingBox())!;
  const dataTransfer = await page.evaluateHandle(
    ({ name, base64 }) => {
      const transfer = new DataTransfer();
      const raw = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
      transfer.items.add(new File([raw], name, { type: 'image/png' }));
      return transfer;
    },
    { name, base64: bytes.toString('base64') },
  );
  const at = {
    clientX: box.x + box.width / 2 + offset.x,
    clientY: box.y + box.height / 2 + offset.y,
  };
  await pane.dispatchEvent('dragenter', { dataTransfer, ...at });
  await pane.dispatchEvent('dragover', { dataTransfer, ...at });
  await pane.dispatchEvent('drop', { dataTransfer, ...at });
}

test('a PNG dropped on the canvas shows as a thumbnail, and a Vision node wired to it sends its bytes to the model', async ({
  page,
  signIn,
  llm,
  snap,
}) => {
  await signIn(page);
  await openBlankWorkflow(page);

  const png = makePng();
  await dropFile(page, 'gradient.png', png, { x: -300, y: -100 });
  const image = canvasNode(page, 'Image');
  const thumbnail = image.getByRole('img', { name: 'Uploaded image' });
  await expect(thumbnail).toBeVisible();
  // The thumbnail is the uploaded picture, decoded by the browser at its real size.
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(16);
  await snap(page, 'dropped-image');

  await dragFromPalette(page, 'Vision', { x: 150, y: -100 });
  await connect(page, { node: 'Image', output: 'Image' }, { node: 'Vision', input: 'Image' });

  llm.enqueue({ type: 'text', text: 'A red and blue gradient.' });
  await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();
  await expect(toolbar(page).getByText('Run succeeded')).toBeVisible();
  const vision = canvasNode(page, 'Vision');
  await expect(statusOf(vision, 'Done')).toBeVisible();
  await expect(vision.getByRole('region', { name: 'Output' })).toContainText(
    'A red and blue gradient.',
  );
  await snap(page, 'vision-answered');

  // The model got the very bytes dropped on the canvas, read from storage by the server.
  expect(llm.requests).toHaveLength(1);
  expect(llm.requests[0]?.images).toEqual([
    { mimeType: 'image/png', base64: png.toString('base64') },
  ]);
});

test('a file that is not an image is refused with the server’s reason on the node', async ({
  page,
  signIn,
}) => {
  await signIn(page);
  await openBlankWorkflow(page);

  await dropFile(page, 'not-really.png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), {
    x: 0,
    y: 0,
  });
  const alert = canvasNode(page, 'Image').getByRole('alert');
  await expect(alert).toHaveText(
    'not-really.png was not uploaded: The bytes are not a PNG, JPEG, WebP or GIF image.',
  );
  // The same reason where the notices appear, for a node scrolled out of view.
  await expect(
    page.getByText('The image was not uploaded: The bytes are not a PNG, JPEG, WebP or GIF image.'),
  ).toBeVisible();
  await expect(canvasNode(page, 'Image').getByRole('img', { name: 'Uploaded image' })).toHaveCount(
    0,
  );
});

test('a large upload shows how far it got, and its thumbnail when it is in', async ({
  page,
  signIn,
}) => {
  await signIn(page);
  await openBlankWorkflow(page);

  // About 3 MB, sent at 1.5 MB/s: two seconds in which the bar must fill by measure.
  const png = makePng(1000, true);
  expect(png.byteLength).toBeGreaterThan(2_900_000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 1_500_000,
  });
  await dropFile(page, 'large.png', png, { x: 0, y: 0 });
  const image = canvasNode(page, 'Image');
  const bar = image.getByRole('progressbar', { name: 'Uploading large.png' });
  // A determinate bar part way: the browser reports the bytes sent, not just "busy".
  await expect
    .poll(async () => Number((await bar.getAttribute('value').catch(() => null)) ?? 'NaN'), {
      timeout: 10_000,
      intervals: [50],
    })
    .toBeGreaterThan(0);
  const partWay = Number(await bar.getAttribute('value').catch(() => '1'));
  expect(partWay).toBeLessThan(1);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  const thumbnail = image.getByRole('img', { name: 'Uploaded image' });
  await expect(thumbnail).toBeVisible({ timeout: 20_000 });
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1000);
  await expect(bar).toHaveCount(0);
});
