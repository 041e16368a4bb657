// Build steps of our own, with nothing but Node's standard library (no npm package added for them).
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";
import type { Plugin } from "vite";

const require = createRequire(import.meta.url);

/** Swagger UI for the gateway's /api/docs, shipped with the SPA instead of loaded from a CDN: the npm package
 * `swagger-ui-dist` (pinned in package-lock.json) copied into `assets/` under content-hashed names, and
 * `api-docs.json` telling the gateway which names (the gateway writes the page and its CSP from it). */
export function apiDocsAssets(): Plugin {
  return {
    name: "edudx-api-docs-assets",
    apply: "build",
    generateBundle() {
      const root = dirname(require.resolve("swagger-ui-dist/package.json"));
      const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
      // The bundle names its source map, which is not shipped: drop the comment so browsers do not ask for it.
      const withoutMap = (text: string) => text.replace(/\n?\/[/*]# sourceMappingURL=[^\n]*\s*$/, "\n");
      const script = this.emitFile({
        type: "asset",
        name: "swagger-ui-bundle.js",
        source: withoutMap(readFileSync(join(root, "swagger-ui-bundle.js"), "utf8")),
      });
      const stylesheet = this.emitFile({
        type: "asset",
        name: "swagger-ui.css",
        source: withoutMap(readFileSync(join(root, "swagger-ui.css"), "utf8")),
      });
      this.emitFile({
        type: "asset",
        fileName: "api-docs.json",
        source: JSON.stringify(
          { swagger_ui_version: version, script: this.getFileName(script), stylesheet: this.getFileName(stylesheet) },
          null,
          2,
        ),
      });
    },
  };
}

const COMPRESSIBLE = /\.(js|mjs|css|html|json|svg|txt|xml|wasm)$/;
const MIN_BYTES = 1024;

/** Brotli (quality 11) and gzip (level 9) copies beside every text file of the build from 1 KB on, made once at build
 * time, so the gateway sends them as they are (`Content-Encoding`) and spends no CPU on static files. */
export function precompress(): Plugin {
  let outDir = "dist";
  return {
    name: "edudx-precompress",
    apply: "build",
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      for (const file of filesUnder(outDir)) {
        if (!COMPRESSIBLE.test(file)) continue;
        const content = readFileSync(file);
        if (content.length < MIN_BYTES) continue;
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(content, {
            params: {
              [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
              [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
              [zlib.BROTLI_PARAM_SIZE_HINT]: content.length,
            },
          }),
        );
      }
    },
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name.startsWith(".")) return []; // .vite/manifest.json is read by the bench, never served
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
