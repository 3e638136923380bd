/** One message of a `text/event-stream`, as the WHATWG EventSource parser defines it. */
export interface EventStreamMessage {
  /** The `id:` field, when the message set one. */
  id?: string;
  /** The `event:` field; `'message'` when absent. */
  event: string;
  /** The `data:` lines, joined by newlines. */
  data: string;
}

export interface EventStreamHandlers {
  onMessage(message: EventStreamMessage): void;
  /** A `retry:` field: the reconnection delay the server asks for, in ms. */
  onRetry?(ms: number): void;
  /** A comment line (`: keep-alive`): the server is there. */
  onComment?(text: string): void;
}

/**
 * Reads a `text/event-stream` body to its end, calling the handlers as messages complete.
 * Follows the EventSource parsing rules: CR, LF and CRLF line ends, a leading BOM, `data:`
 * lines joined by newlines, one optional space after the colon, and `id` values with NUL
 * ignored. Works on any `ReadableStream` of bytes (browsers, Node 18+, workers).
 */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  handlers: EventStreamHandlers,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let first = true;
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  let sawCr = false;

  const dispatch = () => {
    if (data.length > 0) {
      const message: EventStreamMessage = { event: event || 'message', data: data.join('\n') };
      if (id !== undefined) message.id = id;
      handlers.onMessage(message);
    }
    data = [];
    event = '';
    id = undefined;
  };

  const line = (text: string) => {
    if (text === '') {
      dispatch();
      return;
    }
    const colon = text.indexOf(':');
    if (colon === 0) {
      handlers.onComment?.(text.slice(1).trimStart());
      return;
    }
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) handlers.onRetry?.(Number(value));
  };

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let text = decoder.decode(value, { stream: true });
      if (first && text.length > 0) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer.charCodeAt(i);
        if (c === 10 && sawCr) {
          // The LF of a CRLF whose CR ended the previous line.
          sawCr = false;
          start = i + 1;
          continue;
        }
        sawCr = false;
        if (c === 10 || c === 13) {
          line(buffer.slice(start, i));
          start = i + 1;
          sawCr = c === 13;
        }
      }
      buffer = buffer.slice(start);
    }
    // A message is dispatched only by its blank line: a stream cut mid-message drops it.
  } finally {
    reader.releaseLock();
  }
}
