import { fileIdOf, type PortType } from '@galaxyflow/engine';
import { useNodeTitle } from '../../hooks/useNodeTitle';
import { notTakenText, useBranchNode } from './notTaken';
import { answeredBy, fallbacksOf } from '../../store/nodeMeta';
import type { FileUploads } from '../../store/fileUploads';
import type { NodeRunState } from '../../types';
import { FileThumbnail } from '../FileThumbnail';

export interface OutputPreviewProps {
  /** The node's run state; nothing renders without one. */
  state: NodeRunState | undefined;
  /** The output port to preview. Default: the first output with a value. */
  port?: string | undefined;
  /** The type of that port, to pick text, image or JSON. Default inferred from the value. */
  portType?: PortType | undefined;
  /** Opens the error detail of a failed node. */
  onShowError?: (() => void) | undefined;
  /** Loads stored files (`galaxy-file:` values) as thumbnails. Default: such values show as text. */
  uploads?: FileUploads | undefined;
}

const MAX_TEXT = 4_000;
const IMAGE_URL = /^(data:image\/|https?:\/\/\S+\.(png|jpe?g|gif|webp|svg|avif)(\?\S*)?$)/i;

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

function Value({ value, type, uploads }: { value: unknown; type: PortType | undefined; uploads: FileUploads | undefined }) {
  const fileId = typeof value === 'string' && uploads ? fileIdOf(value) : undefined;
  if (fileId !== undefined && uploads) return <FileThumbnail uploads={uploads} fileId={fileId} alt="Output image" />;
  if (typeof value === 'string' && (type === 'image' || IMAGE_URL.test(value))) {
    return <img className="gf-preview__image" src={value} alt="Output" loading="lazy" />;
  }
  if (typeof value === 'string' && type !== 'json') {
    return <pre className="gf-preview__text">{clip(value)}</pre>;
  }
  let json: string;
  try {
    json = JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    json = String(value);
  }
  return <pre className="gf-preview__json">{clip(json)}</pre>;
}

/** Why a node was skipped, naming the failed node by its title (its id on hover). */
function SkippedNote({ because }: { because: string }) {
  const title = useNodeTitle(because);
  return (
    <div className="gf-preview gf-preview--muted" title={`Node id: ${because}`}>
      Skipped because "{title}" failed.
    </div>
  );
}

/** Why a node did not run: the branch that was not taken, named by its node's title. */
function NotTakenNote({ because, port }: { because: string; port: string | undefined }) {
  const branch = useBranchNode(because);
  return (
    <div className="gf-preview gf-preview--muted gf-preview--not-taken" title={`Node id: ${because}`}>
      {notTakenText(branch, port)}
    </div>
  );
}

/** The last output of a node, or its live stream of tokens, or why it has none. */
export function OutputPreview({ state, port, portType, onShowError, uploads }: OutputPreviewProps) {
  if (!state) return null;
  const { status } = state;
  if ((status === 'running' || status === 'retrying') && state.streamed) {
    return (
      <div className="gf-preview gf-preview--streaming" role="log" aria-live="polite" aria-label="Streaming output">
        <pre className="gf-preview__text">
          {clip(state.streamed)}
          <span className="gf-preview__caret" aria-hidden="true" />
        </pre>
      </div>
    );
  }
  if (status === 'failed' || (status === 'retrying' && state.error)) {
    return (
      <div className={`gf-preview gf-preview--${status}`}>
        <p className="gf-preview__error">
          {state.error?.code && <code>{state.error.code}</code>} {state.error?.message ?? 'The node failed.'}
        </p>
        {status === 'failed' && onShowError && (
          <button type="button" className="gf-button gf-button--small nodrag" onClick={onShowError}>
            Error details
          </button>
        )}
      </div>
    );
  }
  if (status === 'skipped') {
    if (state.error?.code === 'E_BRANCH_NOT_TAKEN' && state.skippedBecause) {
      const port = state.error.details?.branchPort;
      return <NotTakenNote because={state.skippedBecause} port={typeof port === 'string' ? port : undefined} />;
    }
    return state.skippedBecause ? (
      <SkippedNote because={state.skippedBecause} />
    ) : (
      <div className="gf-preview gf-preview--muted">Skipped.</div>
    );
  }
  if (status === 'canceled') {
    // A node stopped because another failed (fail_fast) says which one, in the engine's words.
    const why = state.error?.message ?? 'Canceled.';
    const partial = state.meta?.partialText || state.streamed;
    if (!partial) return <div className="gf-preview gf-preview--muted">{why}</div>;
    // What it streamed before the stop stays, marked as a partial answer.
    return (
      <>
        <section className="gf-preview gf-preview--partial" aria-label="Partial output">
          <pre className="gf-preview__text">{clip(partial)}</pre>
        </section>
        <p className="gf-preview__caption">Partial: {why}</p>
      </>
    );
  }
  if (status !== 'success' || !state.output) return null;
  const key = port !== undefined && port in state.output ? port : Object.keys(state.output)[0];
  if (key === undefined) return null;
  const answered = answeredBy(state.meta);
  const failedFirst = fallbacksOf(state.meta).map((fallback) => fallback.provider);
  // The caption sits beside the Output region, not in it: the region holds the value alone.
  return (
    <>
      <section className="gf-preview" aria-label="Output">
        <Value value={state.output[key]} type={portType} uploads={uploads} />
      </section>
      {answered && (
        <p className="gf-preview__caption">
          <span className="gf-visually-hidden">Answered by </span>
          {answered}
          {failedFirst.length > 0 && `, after ${failedFirst.join(', ')} failed`}
        </p>
      )}
    </>
  );
}
