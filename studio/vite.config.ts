import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The studio: a React single-page app that `trellis up` serves at /studio/ from dist/studio.
 * `npm run build` builds it with the server; `npm run studio:dev` serves it with hot reload and
 * sends API calls to a Trellis on 127.0.0.1:5050 (TRELLIS_URL to change).
 */
const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.TRELLIS_URL ?? 'http://127.0.0.1:5050';

export default defineConfig({
  root,
  base: '/studio/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/studio', import.meta.url)),
    emptyOutDir: true,
    // One chart library and React: a few hundred kB is expected, not a warning.
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: Object.fromEntries(['/api', '/workspaces', '/endpoints', '/v2', '/metrics'].map((path) => [path, api])),
  },
});
