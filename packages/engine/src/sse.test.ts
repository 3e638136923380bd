import { describe, expect, it } from 'vitest';
import { type ReadSseOptions, readSse, type SseEvent } from './sse';

function streamOf(pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function events(pieces: string[], options: ReadSseOptions = {}) {
  const out: SseEvent[] = [];
  for await (const event of readSse(streamOf(pieces), options)) out.push(event);
  return out;
}

/** Events, `retry:` values and comments, as a reconnecting client sees them. */
async function messages(...pieces: string[]) {
  const retries: number[] = [];
  const comments: string[] = [];
  const out = await events(pieces, {
    onRetry: (ms) => retries.push(ms),
    onComment: (text) => comments.push(text),
  });
  return { out, retries, comments };
}

describe('readSse', () => {
  it('reads events split anywhere across chunks, with LF, CRLF and CR line ends', async () => {
    expect(
      await events(['data: {"a"', ':1}\r', '\n\r\ndata: two\n', '\nevent: done\rdata: x\r\r']),
    ).toEqual([
      { event: 'message', data: '{"a":1}' },
      { event: 'message', data: 'two' },
      { event: 'done', data: 'x' },
    ]);
  });

  it('joins multi-line data, skips comments, and keeps a last event without a blank line when asked', async () => {
    const pieces = [': keep-alive\n\ndata: a\ndata: b\n\ndata:c'];
    expect(await events(pieces, { dispatchUnterminated: true })).toEqual([
      { event: 'message', data: 'a\nb' },
      { event: 'message', data: 'c' },
    ]);
    // The spec's own rule: an event cut off before its blank line is dropped.
    expect(await events(pieces)).toEqual([{ event: 'message', data: 'a\nb' }]);
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

  it('parses fields, multi-line data, comments and retry, across any chunking', async () => {
    const text =
      '\uFEFFretry: 1500\n\n: keep-alive\n\nid: 1\ndata: {"a":1}\n\nid: 2\nevent: custom\ndata: line one\ndata:line two\n\n';
    const whole = await messages(text);
    expect(whole.out).toEqual([
      { id: '1', event: 'message', data: '{"a":1}' },
      { id: '2', event: 'custom', data: 'line one\nline two' },
    ]);
    expect(whole.retries).toEqual([1500]);
    expect(whole.comments).toEqual(['keep-alive']);
    // One character at a time gives the same messages.
    const bytes = await messages(...[...text]);
    expect(bytes.out).toEqual(whole.out);
  });

  it('accepts CRLF and CR line ends and drops a message cut before its blank line', async () => {
    const { out } = await messages(
      'id: 7\r\ndata: crlf\r\n\r',
      '\nid: 8\rdata: cr\r\rid: 9\ndata: cut',
    );
    expect(out).toEqual([
      { id: '7', event: 'message', data: 'crlf' },
      { id: '8', event: 'message', data: 'cr' },
    ]);
  });

  it('keeps the last event id across events, ignores an id with NUL, and resets on an empty id', async () => {
    const { out } = await messages(
      'id: 1\ndata: a\n\ndata: b\n\nid: 2\0x\ndata: c\n\nid\ndata: d\n\n',
    );
    expect(out).toEqual([
      { id: '1', event: 'message', data: 'a' },
      { id: '1', event: 'message', data: 'b' },
      { id: '1', event: 'message', data: 'c' },
      { id: '', event: 'message', data: 'd' },
    ]);
  });

  it('updates the last event id from an event without data, which itself is not dispatched', async () => {
    const { out } = await messages('id: 5\nevent: ping\n\ndata: after\n\n');
    expect(out).toEqual([{ id: '5', event: 'message', data: 'after' }]);
  });

  it('follows the field rules: bare names, one optional space, unknown fields and bad retry ignored', async () => {
    const { out, retries } = await messages(
      'data\ndata:  two spaces\nfoo: bar\nretry: 1s\nretry: 20\nevent\n\n',
      'data:\n\n',
    );
    expect(out).toEqual([
      { event: 'message', data: '\n two spaces' },
      { event: 'message', data: '' },
    ]);
    expect(retries).toEqual([20]);
  });

  it('skips only one leading BOM', async () => {
    const out = await events(['\uFEFF', '\uFEFFdata: x\n\n', 'data: y\n\n']);
    // A second BOM is part of the first field name, which then is not `data`.
    expect(out).toEqual([{ event: 'message', data: 'y' }]);
  });
});
