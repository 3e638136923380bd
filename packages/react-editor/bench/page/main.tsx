import { createRoot } from 'react-dom/client';
import { demoRegistry } from '../../src/fixtures/demoRegistry';
import { largeWorkflow } from '../../src/fixtures/workflows';
import { WorkflowEditor } from '../../src/components/WorkflowEditor';
import { useWorkflowEditor } from '../../src/hooks/useWorkflowEditor';
import '../../src/styles/index.css';

declare global {
  interface Window {
    __gf: { startedAt: number; store?: ReturnType<typeof useWorkflowEditor>['store'] };
  }
}

window.__gf = { startedAt: performance.now() };
const params = new URLSearchParams(location.search);
const count = Number(params.get('nodes') ?? 1_000);
const workflow = largeWorkflow(count);
// `?minimap=0` and `?palette=0` drop those parts, to measure what each costs.
const showMiniMap = params.get('minimap') !== '0';
const showPalette = params.get('palette') !== '0';

/** Exposes the store to the bench; renders nothing. */
function Expose() {
  window.__gf.store = useWorkflowEditor().store;
  return null;
}

createRoot(document.getElementById('root')!).render(
  <WorkflowEditor
    registry={demoRegistry}
    initialWorkflow={workflow}
    theme="light"
    title="bench"
    draftKey={false}
    showMiniMap={showMiniMap}
    showPalette={showPalette}
  >
    <Expose />
  </WorkflowEditor>,
);
