import { useEditorContext } from '../../hooks/useEditorContext';
import { useEditorState } from '../../hooks/useEditorState';
import { type VersionRow, useVersions } from '../../hooks/useVersions';
import { describeDiff } from '../../store/graphDiff';
import { SidePanel } from '../SidePanel';

export interface VersionsPanelProps {
  /**
   * Versions per page. Default 5: what each one changed takes its graph and the one before
   * it, so a page costs pageSize + 2 requests the first time (graphs are kept after that).
   */
  pageSize?: number;
}

/** At most three names, then "and 2 more". */
function names(ids: readonly string[], titles: Record<string, string>): string {
  const shown = ids.slice(0, 3).map((id) => titles[id] ?? id);
  return ids.length > 3 ? `${shown.join(', ')} and ${ids.length - 3} more` : shown.join(', ');
}

function Changes({ row }: { row: VersionRow }) {
  if (row.unknown) return <span className="gf-versions__changes">Changes unknown</span>;
  if (!row.diff) return <span className="gf-versions__changes">Reading changes…</span>;
  if (row.first)
    return <span className="gf-versions__changes">Created with {row.diff.added.length} nodes</span>;
  const { diff, titles } = row;
  return (
    <span className="gf-versions__changes">
      {describeDiff(diff)}
      {diff.added.length > 0 && (
        <span className="gf-versions__names gf-versions__names--added">
          Added: {names(diff.added, titles)}
        </span>
      )}
      {diff.removed.length > 0 && (
        <span className="gf-versions__names gf-versions__names--removed">
          Removed: {names(diff.removed, titles)}
        </span>
      )}
      {diff.changed.length > 0 && (
        <span className="gf-versions__names gf-versions__names--changed">
          Changed: {names(diff.changed, titles)}
        </span>
      )}
    </span>
  );
}

/**
 * The workflow's saved versions: who saved each and when, what it changed, a comparison of
 * the canvas with it, and restoring it (as a new version, undoable on the canvas).
 */
export function VersionsPanel({ pageSize = 5 }: VersionsPanelProps) {
  const { controller } = useEditorContext();
  const current = useEditorState((state) => state.version);
  const compared = useEditorState((state) => state.compare?.version ?? null);
  const readOnly = useEditorState((state) => state.readOnly);
  const versions = useVersions(pageSize);
  const { rows, page, total } = versions;
  return (
    <SidePanel title="Versions">
      {compared !== null && (
        <div className="gf-versions__legend" role="status">
          <span>Canvas compared with version {compared}:</span>
          <span className="gf-diff-key gf-diff-key--added">added since</span>
          <span className="gf-diff-key gf-diff-key--changed">changed since</span>
          <span className="gf-diff-key gf-diff-key--removed">removed since</span>
        </div>
      )}
      {versions.error && (
        <p className="gf-panel__error" role="alert">
          Could not load versions: {versions.error}
        </p>
      )}
      {!versions.loading && !versions.error && rows.length === 0 && (
        <p className="gf-panel__empty">No saved versions yet.</p>
      )}
      {versions.loading && rows.length === 0 && <p className="gf-panel__empty">Loading…</p>}
      <ol className="gf-versions" aria-busy={versions.loading}>
        {rows.map((row) => {
          const isCurrent = row.version === current;
          const isCompared = row.version === compared;
          return (
            <li
              key={row.version}
              className={`gf-versions__row${isCompared ? ' gf-versions__row--compared' : ''}`}
            >
              <div className="gf-versions__head">
                <strong>Version {row.version}</strong>
                {isCurrent && <span className="gf-versions__badge">current</span>}
                {row.restoredFrom !== null && (
                  <span className="gf-versions__badge">restored from {row.restoredFrom}</span>
                )}
              </div>
              <div className="gf-versions__meta">
                {row.author ?? 'You'} ·{' '}
                <time dateTime={new Date(row.createdAt).toISOString()}>
                  {new Date(row.createdAt).toLocaleString()}
                </time>
              </div>
              <Changes row={row} />
              <div className="gf-versions__actions">
                <button
                  type="button"
                  className="gf-button gf-button--small"
                  aria-pressed={isCompared}
                  aria-label={`Compare the canvas with version ${row.version}`}
                  onClick={() => void controller.compareVersion(isCompared ? null : row.version)}
                >
                  Compare
                </button>
                {!readOnly && !isCurrent && (
                  <button
                    type="button"
                    className="gf-button gf-button--small"
                    aria-label={`Restore version ${row.version}`}
                    onClick={() => void controller.restoreVersion(row.version)}
                  >
                    Restore
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ol>
      <div className="gf-pager">
        <button
          type="button"
          className="gf-button gf-button--small"
          disabled={!versions.hasPrevious}
          onClick={() => versions.setPage(page - 1)}
        >
          Newer
        </button>
        <span aria-live="polite">
          Page {page}
          {total !== undefined ? ` of ${Math.max(1, Math.ceil(total / pageSize))}` : ''}
        </span>
        <button
          type="button"
          className="gf-button gf-button--small"
          disabled={!versions.hasNext}
          onClick={() => versions.setPage(page + 1)}
        >
          Older
        </button>
      </div>
    </SidePanel>
  );
}
