import { type ErrorHook, errorReportOf } from '@galaxyflow/server-adapter';

/** The settings error reporting reads (`readAppEnv` and `readWorkerEnv` check them). */
export interface SentrySettings {
  SENTRY_DSN?: string | undefined;
  SENTRY_ENVIRONMENT?: string | undefined;
}

/**
 * The `onError` hook of the API and the worker with `SENTRY_DSN` set: each server fault (a 5xx,
 * a run ended by an internal fault; never a caller's mistake or a node's own failure) becomes a
 * Sentry event through `@sentry/nextjs`, tagged with its kind, code and route, the request or
 * run ids in its context and the user as Sentry's user. Undefined without a DSN, and then the
 * SDK is not even loaded. The SDK is set up once per process, by whichever of the API and the
 * worker asks first.
 */
export async function sentryErrorHook(settings: SentrySettings): Promise<ErrorHook | undefined> {
  if (!settings.SENTRY_DSN) return undefined;
  const Sentry = await import('@sentry/nextjs');
  if (!Sentry.getClient()) {
    Sentry.init({
      dsn: settings.SENTRY_DSN,
      ...(settings.SENTRY_ENVIRONMENT ? { environment: settings.SENTRY_ENVIRONMENT } : {}),
      // Errors only: tracing stays with the host's own OpenTelemetry setup, if any.
      tracesSampleRate: 0,
    });
  }
  return (error, context) => {
    Sentry.captureException(error, errorReportOf(context));
  };
}

/**
 * Sends the events still buffered, for up to `timeoutMs`: the Trigger.dev task calls it as each
 * run ends, before its process may be frozen or stopped. Nothing to do without a DSN.
 */
export async function flushErrorReports(settings: SentrySettings, timeoutMs = 2000): Promise<void> {
  if (!settings.SENTRY_DSN) return;
  const Sentry = await import('@sentry/nextjs');
  if (Sentry.getClient()) await Sentry.flush(timeoutMs);
}
