import { GalaxyError } from '../errors';
import { UnsafePatternError } from '../conditions/safeRegex';

/** A condition that could not be checked (a text too long for a pattern): a typed, non-retryable error. */
export function conditionError(error: unknown, nodeId: string): unknown {
  if (error instanceof UnsafePatternError)
    return new GalaxyError('E_CONDITION', error.message, { nodeId, cause: error });
  return error;
}
