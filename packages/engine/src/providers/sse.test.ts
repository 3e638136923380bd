import { describe, expect, it } from 'vitest';
import { readSse } from './sse';

function streamOf(pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function events(pieces: string[]) {
  const out: { event: string; data: string }[] = [];
  for await (const event of readSse(streamOf(pieces))) out.push(event);
  return out;
}

describe('readSse', () => {
  it('reads events split anywhere across chunks, with LF, CRLF and CR line ends', async () => {
    expect(await events(['data: {"a"', ':1}\r', '\n\r\ndata: two\n', '\nevent: done\rdata: x\r\r'])).toEqual([
      { event: 'message', data: '{"a":1}' },
      { event: 'message', data: 'two' },
      { event: 'done', data: 'x' },
    ]);
  });

  it('joins multi-line data, skips comments, and keeps a last event without a blank line', async () => {
    expect(await events([': keep-alive\n\ndata: a\ndata: b\n\ndata:c'])).toEqual([
      { event: 'message', data: 'a\nb' },
      { event: 'message', data: 'c' },
    ]);
  });

  it('decodes multi-byte characters split across chunks', async () => {
    const bytes = new TextEncoder().encode('data: héllo ✓\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const out = [];
    for await (const event of readSse(stream)) out.push(event.data);
    expect(out).toEqual(['héllo ✓']);
  });

  it('cancels the underlying stream when the reader stops early', async () => {
    let canceled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: tick\n\n'));
      },
      cancel() {
        canceled = true;
      },
    });
    for await (const _ of readSse(stream)) break;
    expect(canceled).toBe(true);
  });
});
