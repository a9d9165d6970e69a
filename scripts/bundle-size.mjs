// The core's browser/edge bundle size (issue 13): `export * from 'keycard'` bundled by esbuild,
// minified, `--conditions=worker --platform=neutral`, then gzipped. Used by bench/run.js (the
// built package) and test/bundle-size.test.ts (the sources).
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Bundles `contents` (an ES module, resolved from the repository root) as a Worker or browser
 * would and returns its minified and gzipped sizes in bytes, with the bytes each package adds
 * (`inputs`), every input file that kept bytes in the output (`files`, relative paths) and how
 * many each kept (`kept`, by the same paths), and the minified code itself (`code`).
 * `source: true` reads the TypeScript sources (`keycard-source` condition) instead of `dist/`.
 */
export async function edgeBundleSize({ contents = "export * from 'keycard';", source = false } = {}) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'edge-entry.ts' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: source ? ['worker', 'keycard-source'] : ['worker'],
    alias: source ? { keycard: './src/index.ts' } : {},
    metafile: true,
    absWorkingDir: root,
    logLevel: 'silent',
  });
  const bytes = result.outputFiles[0].contents;
  const by = {};
  const files = [];
  const kept = {};
  for (const [file, info] of Object.entries(Object.values(result.metafile.outputs)[0].inputs)) {
    if (info.bytesInOutput > 0) files.push(file);
    if (info.bytesInOutput > 0) kept[file] = info.bytesInOutput;
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = m ? m[1] : 'keycard';
    by[key] = (by[key] ?? 0) + info.bytesInOutput;
  }
  return {
    minified: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    inputs: by,
    files,
    kept,
    code: new TextDecoder().decode(bytes),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await edgeBundleSize({ source: process.argv.includes('--source') });
  console.log(
    `edge bundle: ${(r.minified / 1024).toFixed(1)} KB minified, ${(r.gzip / 1024).toFixed(1)} KB gzip`,
    r.inputs,
  );
}
