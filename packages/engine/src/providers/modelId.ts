import { providerError } from './errors';

/**
 * The model id grammars of the built-in providers. A model id reaches a provider's URL (Gemini
 * puts it in the request path) or its request body, so it is checked against the shape that
 * provider's ids really have: a node must not aim a request signed with the server's key at
 * another path of the provider's host.
 */
export type ModelIdGrammar = 'gemini' | 'groq' | 'openai-compatible';

/** Longest model id any provider accepts. */
export const MAX_MODEL_ID_LENGTH = 200;

// Every `/`-separated segment starts with a letter or digit, so none is empty, `.` or `..`.
const SEGMENT = '[A-Za-z0-9][A-Za-z0-9._-]*';
const SEGMENT_WITH_TAG = '[A-Za-z0-9][A-Za-z0-9._:-]*';

const GRAMMARS: Record<ModelIdGrammar, { pattern: RegExp; label: string; shape: string }> = {
  // `gemini-2.5-flash`, or a full resource name `models/…` / `tunedModels/…` as the SDK accepts it.
  gemini: {
    pattern: new RegExp(`^(?:(?:models|tunedModels)/)?${SEGMENT}$`),
    label: 'Gemini',
    shape: 'letters, digits, ".", "-" and "_", with an optional "models/" or "tunedModels/" prefix',
  },
  // `llama-3.3-70b-versatile`, `openai/gpt-oss-120b`: at most one owner prefix.
  groq: {
    pattern: new RegExp(`^(?:${SEGMENT}/)?${SEGMENT}$`),
    label: 'Groq',
    shape: 'letters, digits, ".", "-" and "_", with at most one "owner/" prefix',
  },
  // Ollama tags (`qwen2.5:7b`), Hugging Face repos (`meta-llama/Llama-3.1-8B-Instruct`), LM Studio paths.
  'openai-compatible': {
    pattern: new RegExp(`^${SEGMENT_WITH_TAG}(?:/${SEGMENT_WITH_TAG}){0,3}$`),
    label: 'OpenAI-compatible',
    shape: 'letters, digits, ".", "-", "_" and ":", in up to four "/"-separated parts',
  },
};

/** The grammar a provider name's ids follow: a built-in's own, and the OpenAI-compatible one for a host's providers. */
export function modelIdGrammarOf(provider: string): ModelIdGrammar {
  return provider === 'gemini' || provider === 'groq' ? provider : 'openai-compatible';
}

/** What is wrong with a model id, or undefined when it is fine. An empty id means the provider's default. */
export function modelIdProblem(grammar: ModelIdGrammar, model: string): string | undefined {
  if (model === '') return undefined;
  const { pattern, label, shape } = GRAMMARS[grammar];
  const shown = JSON.stringify(model.length > 60 ? `${model.slice(0, 60)}…` : model);
  if (model.length > MAX_MODEL_ID_LENGTH)
    return `${shown} is not a ${label} model id: it is ${model.length} characters long, at most ${MAX_MODEL_ID_LENGTH} are allowed.`;
  if (model.includes('..') || !pattern.test(model))
    return `${shown} is not a ${label} model id: use ${shape}, and no "..".`;
  return undefined;
}

/** Throws `E_PROVIDER_BAD_REQUEST` for a model id outside the grammar, before any request is made. */
export function assertModelId(grammar: ModelIdGrammar, model: string, provider: string): void {
  const problem = modelIdProblem(grammar, model);
  if (problem)
    throw providerError(
      'E_PROVIDER_BAD_REQUEST',
      `${problem} Pick another model in the node's settings.`,
      { details: { provider } },
    );
}

/**
 * Percent-encodes each `/`-separated segment of a URL path part. Refuses empty, `.` and `..`
 * segments, which URL parsers resolve even when percent-encoded (`%2e%2e`).
 */
export function encodePathSegments(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      if (segment === '' || /^(?:\.|%2e){1,2}$/i.test(segment)) {
        throw providerError(
          'E_PROVIDER_BAD_REQUEST',
          'A request path may not have empty, "." or ".." segments.',
        );
      }
      return encodeURIComponent(segment);
    })
    .join('/');
}
