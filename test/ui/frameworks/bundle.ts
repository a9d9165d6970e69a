/**
 * The framework apps of frameworks.test.ts, bundled by esbuild as an integrator's bundler would
 * (React's JSX, Vue's full build for its in-browser template, Svelte compiled by svelte/compiler),
 * and the page that loads one: `keycard/ui` first, or, with `?late`, only after the app mounted.
 */
import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile } from 'svelte/compiler';
import type { Files } from '../server.ts';

export const FRAMEWORKS = ['react', 'vue', 'svelte'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

const DIR = fileURLToPath(new URL('.', import.meta.url));

/** Compiles `.svelte` files for the browser (what esbuild-svelte or vite-plugin-svelte do). */
const svelte: Plugin = {
  name: 'svelte',
  setup(b) {
    b.onLoad({ filter: /\.svelte$/ }, async ({ path }) => ({
      contents: compile(await readFile(path, 'utf8'), { filename: path, generate: 'client' }).js.code,
      loader: 'js',
    }));
  },
};

const ENTRIES: Record<Framework, string> = {
  react: `export { mount } from './react-app.tsx';`,
  vue: `export { mount } from './vue-app.ts';`,
  svelte: `import { mount as mountSvelte } from 'svelte';
import App from './svelte-app.svelte';
export const mount = (target) => void mountSvelte(App, { target });`,
};

async function bundle(framework: Framework): Promise<string> {
  const out = await build({
    stdin: { contents: ENTRIES[framework], resolveDir: DIR, loader: 'ts' },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    jsx: 'automatic',
    write: false,
    logLevel: 'silent',
    plugins: [svelte],
    // Development builds: each framework's warnings reach the console, which the test reads.
    define: {
      'process.env.NODE_ENV': '"development"',
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    alias: { vue: 'vue/dist/vue.esm-bundler.js' },
  });
  return out.outputFiles[0]!.text;
}

/** The page of `framework`: loads keycard/ui, mounts the app; with `?late`, defines the element after. */
const page = (framework: Framework) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>API tokens · ${framework}</title></head>
<body><main id="app"></main>
<script type="module">
const late = new URLSearchParams(location.search).has('late');
if (!late) await import('/assets/keycard-ui.js');
const { mount } = await import('/assets/${framework}-app.js');
mount(document.getElementById('app'));
if (late) {
  while (!document.querySelector('keycard-tokens')) await new Promise((r) => setTimeout(r, 5));
  window.definedLate = !customElements.get('keycard-tokens');
  await import('/assets/keycard-ui.js');
}
</script></body></html>`;

/** Every framework's page (/frameworks/<name>) and app script (/assets/<name>-app.js). */
export async function frameworkFiles(): Promise<Files> {
  const files: Files = {};
  for (const fw of FRAMEWORKS) {
    files[`/frameworks/${fw}`] = ['text/html; charset=utf-8', page(fw)];
    files[`/assets/${fw}-app.js`] = ['text/javascript', await bundle(fw)];
  }
  return files;
}
