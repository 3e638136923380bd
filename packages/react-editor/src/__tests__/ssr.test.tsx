// @vitest-environment node
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { WorkflowEditor } from '../components/WorkflowEditor';
import { chain, registry } from './kit';

describe('server rendering', () => {
  it('renders the editor shell to HTML without a DOM; the canvas fills in after hydration', () => {
    expect(typeof window).toBe('undefined');
    const html = renderToString(<WorkflowEditor registry={registry} initialWorkflow={chain} theme="system" />);
    expect(html).toContain('class="gf-editor"');
    expect(html).toContain('data-theme="light"');
    expect(html).toContain('All changes saved');
    expect(html).toContain('class="react-flow');
    expect(html).toContain('aria-label="Node palette"');
  });
});
