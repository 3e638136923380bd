/**
 * The one `text/event-stream` parser of Galaxy Flow, after the WHATWG HTML spec's
 * "Parsing an event stream": provider streams and the server's run events both go through it.
 */

/** One Server-Sent Event, as the EventSource parser dispatches it. */
export interface SseEvent {
  /** The `event:` field; `message` when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /**
   * The stream's last event ID when the event was dispatched (EventSource's `lastEventId`):
   * this event's `id:` field, or else the latest one before it. Absent until the stream sends
   * an `id:`; an empty `id:` sets it back to `''`.
   */
  id?: string;
}

export interface ReadSseOptions {
  /** A `retry:` field (ASCII digits only): the reconnection delay the server asks for, in ms. */
  onRetry?(ms: number): void;
  /** A comment line (`: keep-alive`), without its colon and leading spaces: the server is there. */
  onComment?(text: string): void;
  /**
   * Deliver the event a stream ends before its blank line. The spec drops it (the message may
   * be cut off); some LLM servers close right after their last `data:` line, so the provider
   * reader keeps it. Default false.
   */
  dispatchUnterminated?: boolean;
}

/** Splits decoded text into lines at CR, LF or CRLF, wherever the chunks break. */
function createLineSplitter() {
  let partial = '';
  // A CR ended the last line: an LF right after it is the second half of the same CRLF.
  let afterCr = false;
  return {
    *feed(text: string): Generator<string> {
      let start = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c !== 10 && c !== 13) {
          afterCr = false;
          continue;
        }
        if (c === 10 && afterCr) {
          afterCr = false;
          start = i + 1;
          continue;
        }
        const line = partial + text.slice(start, i);
        partial = '';
        start = i + 1;
        afterCr = c === 13;
        yield line;
      }
      partial += text.slice(start);
    },
    /** The unterminated last line, if any. */
    rest(): string {
      return partial;
    },
  };
}

/** Applies lines to the event being built; a blank line dispatches it. */
function createEventBuilder(options: ReadSseOptions) {
  let data: string[] = [];
  let type = '';
  let lastId: string | undefined;

  const dispatch = (): SseEvent | undefined => {
    const event: SseEvent | undefined =
      data.length > 0 ? { event: type || 'message', data: data.join('\n') } : undefined;
    if (event && lastId !== undefined) event.id = lastId;
    data = [];
    type = '';
    return event;
  };

  return {
    dispatch,
    line(text: string): SseEvent | undefined {
      if (text === '') return dispatch();
      const colon = text.indexOf(':');
      if (colon === 0) {
        options.onComment?.(text.slice(1).trimStart());
        return undefined;
      }
      const field = colon < 0 ? text : text.slice(0, colon);
      let value = colon < 0 ? '' : text.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') type = value;
      // The last event ID outlives the event: a reconnect resumes after it.
      else if (field === 'id' && !value.includes('\0')) lastId = value;
      else if (field === 'retry' && /^[0-9]+$/.test(value)) options.onRetry?.(Number(value));
      return undefined;
    },
  };
}

/**
 * Reads Server-Sent Events from a byte stream: `data:` lines joined by newlines, `event:`,
 * `id:` (without NUL; kept across events), `retry:` and `:` comments through `options`, one
 * optional space after the colon, LF, CR or CRLF line ends, and a leading BOM skipped. An
 * event cut off before its blank line is dropped unless `dispatchUnterminated`. Works on any
 * `ReadableStream` of bytes (browsers, Node 18+, workers), and cancels it when the reader
 * stops early.
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  options: ReadSseOptions = {},
): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  // UTF-8 as the spec requires; TextDecoder drops one leading BOM and keeps any later one.
  const decoder = new TextDecoder();
  const lines = createLineSplitter();
  const builder = createEventBuilder(options);
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (const line of lines.feed(text)) {
        const event = builder.line(line);
        if (event) yield event;
      }
      if (done) {
        finished = true;
        break;
      }
    }
    if (options.dispatchUnterminated) {
      const rest = lines.rest();
      if (rest !== '') builder.line(rest);
      const event = builder.dispatch();
      if (event) yield event;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
