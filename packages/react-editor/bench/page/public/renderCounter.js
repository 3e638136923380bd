// Counts React component renders per commit through the hook React DevTools uses; the
// bench reads window.__renders. Loaded before React so React finds the hook. Only with
// `?renders` in the URL: walking the fibers of every commit would weigh on the timed runs.
(() => {
  if (!new URLSearchParams(location.search).has('renders')) return;
  const PERFORMED_WORK = 1;
  const COMPONENT_TAGS = new Set([0, 1, 11, 14, 15]);
  let counts = {};
  const nameOf = (fiber) => {
    const type = fiber.type;
    if (!type) return 'anonymous';
    return type.displayName || type.name || type.type?.displayName || type.type?.name || type.render?.name || 'anonymous';
  };
  const visit = (fiber) => {
    const prev = fiber.alternate;
    if (COMPONENT_TAGS.has(fiber.tag) && (prev === null || (fiber.flags & PERFORMED_WORK) === PERFORMED_WORK)) {
      const name = nameOf(fiber);
      counts[name] = (counts[name] ?? 0) + 1;
    }
    // An untouched subtree keeps its old child pointer: nothing below it rendered.
    if (prev !== null && fiber.child === prev.child) return;
    for (let child = fiber.child; child !== null; child = child.sibling) visit(child);
  };
  window.__renders = {
    reset: () => {
      counts = {};
      window.__renders.commits = 0;
    },
    read: () => counts,
    commits: 0,
  };
  const renderers = new Map();
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers,
    inject: (renderer) => {
      const id = renderers.size + 1;
      renderers.set(id, renderer);
      return id;
    },
    checkDCE: () => {},
    onScheduleFiberRoot: () => {},
    onCommitFiberRoot: (_id, root) => {
      window.__renders.commits += 1;
      visit(root.current);
    },
    onCommitFiberUnmount: () => {},
    onPostCommitFiberRoot: () => {},
    setStrictMode: () => {},
  };
})();
