import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // The editor, React Flow, the engine and React make one chunk of about 670 kB (210 kB gzip).
  build: { chunkSizeWarningLimit: 1000 },
});
