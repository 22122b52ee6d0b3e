/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The built UI goes where the Go binary embeds it (internal/ui/dist/app).
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: '../internal/ui/dist/app',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: {
    // `npm run dev` proxies the API to a running paddock server.
    proxy: {
      '/v1': { target: 'https://127.0.0.1:8443', secure: false, ws: true },
      '/k8s': { target: 'https://127.0.0.1:8443', secure: false, ws: true },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
})
