/** One Server-Sent Event. */
export interface SseEvent {
  /** The `event:` field; `message` when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

/**
 * Reads Server-Sent Events from a byte stream (WHATWG event-stream rules: LF, CR or CRLF
 * line ends, multi-line `data:`, `:` comments). Cancels the stream when the reader stops early.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        finished = true;
        buffer += `${decoder.decode()}\n`;
      } else {
        buffer += decoder.decode(value, { stream: true });
      }
      let newline = buffer.search(/\r\n|\r|\n/);
      while (newline >= 0) {
        // A lone CR at the end of the buffer may be the first half of CRLF.
        if (buffer[newline] === '\r' && newline === buffer.length - 1 && !finished) break;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n') };
          event = '';
          data = [];
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'data') data.push(value);
          else if (field === 'event') event = value;
        }
        newline = buffer.search(/\r\n|\r|\n/);
      }
      if (finished) {
        if (data.length > 0) yield { event: event || 'message', data: data.join('\n') };
        return;
      }
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
