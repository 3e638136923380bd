import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app uses the packages' built output, as a host installing them from npm would.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
});
