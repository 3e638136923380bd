throw new Error('The engine imported a UI framework module; it must stay framework-agnostic.');
