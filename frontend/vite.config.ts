/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { apiDocsAssets, precompress } from "./vite.plugins.ts";

// `npm run dev` serves the SPA with hot reload and sends /api to a running gateway (`make run`, or
// EDUDX_GATEWAY=http://127.0.0.1:18600 for another port).
const gateway = process.env.EDUDX_GATEWAY ?? "http://127.0.0.1:8000";

export default defineConfig({
  // precompress last: it compresses what the others wrote (the SPA, index.html, Swagger UI for /api/docs).
  plugins: [react(), apiDocsAssets(), precompress()],
  server: { proxy: { "/api": { target: gateway, changeOrigin: false } } },
  build: {
    target: "es2022",
    sourcemap: false,
    // bench/spa_bundle.py reads which chunks the first load needs from the manifest.
    manifest: true,
    // A report of what the first load costs is written by bench/spa_bundle.py; keep Vite's own warning quiet.
    chunkSizeWarningLimit: 1200,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
