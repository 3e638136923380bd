import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

/**
 * The bench pages, built for production but unminified so component names stay readable:
 * the editor on a 1,000-node graph (index.html) and bare React Flow on the same graph (bare.html).
 */
export default defineConfig({
  root: new URL('./page', import.meta.url).pathname,
  plugins: [react()],
  resolve: { conditions: ['@galaxyflow/source', ...defaultClientConditions] },
  build: {
    outDir: new URL('./dist', import.meta.url).pathname,
    emptyOutDir: true,
    minify: false,
    sourcemap: false,
    rollupOptions: {
      input: {
        index: new URL('./page/index.html', import.meta.url).pathname,
        bare: new URL('./page/bare.html', import.meta.url).pathname,
      },
    },
  },
  logLevel: 'warn',
});
