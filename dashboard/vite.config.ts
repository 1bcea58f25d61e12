// The dashboard's build: one bundle (no lazy chunks: pages are small, and one request is faster than a
// waterfall), served by the engine under /dashboard/ from dashboard/dist (built by scripts/build-dashboard.ts).
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

export default defineConfig({
  root: import.meta.dirname,
  base: '/dashboard/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // The strict CSP (script-src 'self') forbids inline scripts: keep the module preload polyfill out.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1000,
  },
})
