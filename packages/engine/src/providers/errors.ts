import {
  CanceledError,
  GalaxyError,
  type GalaxyErrorOptions,
  type KnownErrorCode,
} from '../errors';
import { withoutUrls } from '../redact';

/**
 * The codes of the engine's one table (`errorMessages`) that LLM providers, the Vision node's
 * image loading and the SSRF guard report.
 */
export type ProviderErrorCode = Extract<
  KnownErrorCode,
  | `E_PROVIDER_${string}`
  | `E_IMAGE_${string}`
  | 'E_MODEL_NOT_FOUND'
  | 'E_CONTENT_BLOCKED'
  | 'E_CIRCUIT_OPEN'
  | 'E_LLM_INVALID_JSON'
  | 'E_SSRF_BLOCKED'
>;

/** Makes a `GalaxyError` with one of the provider codes; the message defaults to the table's. */
export function providerError(
  code: ProviderErrorCode,
  message?: string,
  options: GalaxyErrorOptions = {},
): GalaxyError {
  return new GalaxyError(code, message, options);
}

/** What a provider adapter knows about a failed HTTP call, whatever its SDK. */
export interface HttpFailure {
  /** Provider name, e.g. `gemini`. */
  provider: string;
  /** Human name for messages, e.g. `Gemini`. Default: `provider`. */
  label?: string;
  /** HTTP status. */
  status: number;
  /** The server's own explanation, if any. */
  message?: string;
  /** Server-suggested wait before retrying, in ms. */
  retryAfterMs?: number;
  /** The model the call asked for. */
  model?: string;
  /** The variable that holds the API key, for "check X" hints. */
  apiKeyEnv?: string;
  /** The server reported an invalid key with a non-auth status (Gemini answers 400). */
  invalidKey?: boolean;
  cause?: unknown;
}

const RETRYABLE_STATUS = new Set([408, 409, 425, 429]);

/** Whether an HTTP status is worth retrying: timeouts, rate limits, conflicts and 5xx (but not 501/505). */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status) || (status >= 500 && status !== 501 && status !== 505);
}

function suffix(message: string | undefined): string {
  const trimmed = message?.trim();
  if (!trimmed) return '';
  return ` Server said: ${trimmed.length > 500 ? `${trimmed.slice(0, 500)}…` : trimmed}`;
}

/**
 * Turns a failed HTTP call into a typed error a user can act on. 429, 408 and 5xx are
 * retryable (carrying `retryAfterMs` when the server named a wait); 400/401/403/404 are not.
 */
export function classifyHttpFailure(failure: HttpFailure): GalaxyError {
  const { provider, status, model } = failure;
  const label = failure.label ?? provider;
  const details: Record<string, unknown> = { provider, status };
  if (model !== undefined) details.model = model;
  const base: GalaxyErrorOptions = { details };
  if (failure.cause !== undefined) base.cause = failure.cause;
  const said = suffix(failure.message);
  const keyHint = failure.apiKeyEnv ? ` Check ${failure.apiKeyEnv}.` : '';

  if (status === 401 || failure.invalidKey) {
    return providerError(
      'E_PROVIDER_AUTH',
      `${label} rejected the API key (HTTP ${status}).${keyHint}${said}`,
      base,
    );
  }
  if (status === 403) {
    return providerError(
      'E_PROVIDER_AUTH',
      `${label} refused access (HTTP 403): the API key may lack access to ${model ? `model ${model}` : 'this model'}, or the API is not enabled for it.${keyHint}${said}`,
      base,
    );
  }
  if (status === 404) {
    return providerError(
      'E_MODEL_NOT_FOUND',
      `model not found: ${model ?? '(none given)'} on ${label}. Pick another model in the node's settings.${said}`,
      base,
    );
  }
  if (status === 429) {
    const wait =
      failure.retryAfterMs !== undefined
        ? ` Retry after ${Math.ceil(failure.retryAfterMs / 1000)} s.`
        : '';
    const options: GalaxyErrorOptions = { ...base, retryable: true };
    if (failure.retryAfterMs !== undefined) {
      options.retryAfterMs = failure.retryAfterMs;
      details.retryAfterMs = failure.retryAfterMs;
    }
    return providerError(
      'E_PROVIDER_RATE_LIMIT',
      `${label} is rate limiting requests (HTTP 429).${wait}${said}`,
      options,
    );
  }
  if (isRetryableStatus(status)) {
    const options: GalaxyErrorOptions = { ...base, retryable: true };
    if (failure.retryAfterMs !== undefined) options.retryAfterMs = failure.retryAfterMs;
    const code = status === 408 ? 'E_PROVIDER_TIMEOUT' : 'E_PROVIDER_UNAVAILABLE';
    return providerError(
      code,
      `${label} had a temporary failure (HTTP ${status}).${said}`,
      options,
    );
  }
  return providerError(
    'E_PROVIDER_BAD_REQUEST',
    `${label} rejected the request (HTTP ${status}).${said}`,
    base,
  );
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The first `code` string found along an error's cause chain (fetch hides the socket error in `cause`). */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A transport failure (reset, refused, DNS, body cut short): retryable, with a hint about what to
 * check. The message names the provider (`subject`, e.g. "the OpenAI-compatible server"), never
 * its address: a base URL is an internal address and may carry a secret. `baseUrlEnv` is the
 * variable to check, when the provider came from the environment.
 */
export function networkFailure(
  provider: string,
  subject: string,
  error: unknown,
  baseUrlEnv?: string,
): GalaxyError {
  const code = networkErrorCode(error);
  const baseUrl = baseUrlEnv ? `its base URL (${baseUrlEnv})` : 'its base URL';
  const reason =
    code === 'ECONNREFUSED'
      ? `connection refused: is the server running and is ${baseUrl} right?`
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `the host name could not be resolved: check ${baseUrl}.`
        : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE'
          ? 'the connection was reset.'
          : `${code ?? (error instanceof Error ? withoutUrls(error.message, 'its address') : 'network error')}.`;
  return providerError('E_PROVIDER_UNAVAILABLE', `Could not reach ${subject}: ${reason}`, {
    retryable: true,
    cause: error,
    details: code === undefined ? { provider } : { provider, networkCode: code },
  });
}

/**
 * Reads a server-suggested wait, in ms: `retry-after-ms`, then `Retry-After` as seconds or
 * an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0)
    return Math.round(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The error to throw once `signal` has fired: its reason when that is already a typed
 * error (the scheduler aborts with `TimeoutError` or `CanceledError`), else `CanceledError`.
 */
export function abortReason(signal: AbortSignal): GalaxyError {
  return signal.reason instanceof GalaxyError ? signal.reason : new CanceledError();
}
