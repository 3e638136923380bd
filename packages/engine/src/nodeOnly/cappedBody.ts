import type { IncomingMessage } from 'node:http';

/**
 * Reads a response body of at most `maxBytes`, for the image fetcher and the HTTP Request
 * node alike. A larger `content-length` is refused before any byte is read, and a stream that
 * grows past the cap is cut off as soon as it does; either way the connection is dropped and
 * `tooLarge` says why (`declared` is the length the server announced, undefined when the
 * stream itself went over).
 */
export async function readCappedBody(
  response: IncomingMessage,
  maxBytes: number,
  tooLarge: (declared: number | undefined) => Error,
): Promise<Uint8Array> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw tooLarge(declared);
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of response as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > maxBytes) {
      response.destroy();
      throw tooLarge(undefined);
    }
    parts.push(part);
  }
  return Buffer.concat(parts);
}
