import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

/** The bench page: the editor on a 1,000-node graph, built for production but unminified so component names stay readable. */
export default defineConfig({
  root: new URL('./page', import.meta.url).pathname,
  plugins: [react()],
  resolve: { conditions: ['@galaxyflow/source', ...defaultClientConditions] },
  build: { outDir: new URL('./dist', import.meta.url).pathname, emptyOutDir: true, minify: false, sourcemap: false },
  logLevel: 'warn',
});
