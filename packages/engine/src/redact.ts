// scheme://, optional userinfo (up to the last `@` before the path), host and path, query, fragment.
const URL_PATTERN =
  /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"'<>`@]*(?:@[^\s/?#"'<>`@]*)*@)?([^\s?#"'<>`]*)(\?[^\s#"'<>`]*)?(#[^\s"'<>`]*)?/gi;

/**
 * Text with the secrets of every URL in it hidden: user name and password (`user:pass@`), query
 * string and fragment, where keys and tokens travel. Host and path stay, so the text still says
 * what was called. Every error that leaves the engine goes through it (`toErrorInfo`).
 */
export function redactUrls(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(
    URL_PATTERN,
    (
      _match,
      scheme: string,
      userinfo: string | undefined,
      rest: string,
      query: string | undefined,
      fragment: string | undefined,
    ) => `${scheme}${userinfo ? '***@' : ''}${rest}${query ? '?***' : ''}${fragment ? '#***' : ''}`,
  );
}

/** A plain-JSON value with `redactUrls` applied to every string in it, keys aside; nested 8 deep at most. */
export function redactUrlsDeep<T>(value: T, depth = 8): T {
  if (typeof value === 'string') return redactUrls(value) as T;
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactUrlsDeep(item, depth - 1)) as T;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, redactUrlsDeep(item, depth - 1)]),
  ) as T;
}

/** Text with every URL in it replaced by `replacement`: for messages that should name a service, not its address. */
export function withoutUrls(text: string, replacement: string): string {
  if (!text.includes('://')) return text;
  // Punctuation after a URL belongs to the sentence: keep it.
  return text.replace(
    URL_PATTERN,
    (match) => `${replacement}${/[.,:;!?)\]]*$/.exec(match)?.[0] ?? ''}`,
  );
}
