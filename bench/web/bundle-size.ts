// The initial JavaScript of the web build: the entry script of dist/index.html and the modules it
// preloads, as a browser downloads them (gzipped). Chunks loaded later (lazy routes) are listed apart.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export type BundleFile = { file: string; bytes: number; gzipBytes: number };

export type BundleReport = {
  initial: BundleFile[];
  lazy: BundleFile[];
  initialGzipBytes: number;
  totalGzipBytes: number;
};

/** The script and module-preload URLs in an index.html, in order. */
export function initialScripts(indexHtml: string): string[] {
  const urls = new Set<string>();
  for (const match of indexHtml.matchAll(/<script[^>]*\btype="module"[^>]*\bsrc="([^"]+)"/g)) {
    urls.add(match[1] ?? '');
  }
  for (const match of indexHtml.matchAll(/<link[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g)) {
    urls.add(match[1] ?? '');
  }
  return [...urls].filter((url) => url.endsWith('.js'));
}

function measure(distDir: string, file: string): BundleFile {
  const content = readFileSync(path.join(distDir, file));
  return { file, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
}

/** Measures a Vite build directory. */
export function measureBundle(distDir: string): BundleReport {
  const indexHtml = readFileSync(path.join(distDir, 'index.html'), 'utf8');
  const initialFiles = initialScripts(indexHtml).map((url) => url.replace(/^\//, ''));
  const allFiles = readdirSync(path.join(distDir, 'assets'))
    .filter((name) => name.endsWith('.js'))
    .map((name) => `assets/${name}`);
  const initial = initialFiles.map((file) => measure(distDir, file));
  const lazy = allFiles.filter((file) => !initialFiles.includes(file)).map((file) => measure(distDir, file));
  const sum = (files: BundleFile[]) => files.reduce((total, file) => total + file.gzipBytes, 0);
  return {
    initial,
    lazy: lazy.sort((a, b) => b.gzipBytes - a.gzipBytes),
    initialGzipBytes: sum(initial),
    totalGzipBytes: sum(initial) + sum(lazy),
  };
}
