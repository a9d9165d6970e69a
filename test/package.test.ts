import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { snippetsOf } from './snippets.ts';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  dependencies: Record<string, string>;
};
const subpaths = Object.keys(pkg.exports)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? 'keycard' : `keycard/${k.slice(2)}`));

// dist/ is built once by test/global-setup.ts.
beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: test/global-setup.ts builds it');
});

describe('the core under Web-standard conditions', () => {
  for (const conditions of [[], ['worker'], ['edge-light']]) {
    it(`resolved under ${conditions.length ? conditions.join(', ') : 'default'} it reaches no node: import and no framework`, async () => {
      const result = await build({
        entryPoints: [join(root, 'dist/index.js')],
        bundle: true,
        write: false,
        platform: 'neutral',
        format: 'esm',
        conditions,
        mainFields: ['module', 'main'],
        metafile: true,
        logLevel: 'silent',
      });
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.some((i) => i.includes('sha256.web.js'))).toBe(true);
      expect(inputs.filter((i) => i.includes('sha256.node'))).toEqual([]);
      expect(
        inputs.filter((i) => /node_modules\/(express|hono|next|@modelcontextprotocol|pg|ioredis|redis)\//.test(i)),
      ).toEqual([]);
      const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
      expect(
        imports.filter((p) => p.startsWith('node:') || /^(crypto|fs|path|net|os|diagnostics_channel)$/.test(p)),
      ).toEqual([]);
      expect(result.outputFiles[0]!.text).not.toMatch(/["']node:/);
    });
  }

  it('builds before it packs: a tarball made on a fresh clone (no dist/, which git ignores) still holds dist/', () => {
    const scripts = (pkg as unknown as { scripts: Record<string, string> }).scripts;
    expect(scripts['prepack']).toBe('npm run build');
  });

  it('declares only the runtime dependencies the README names', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@noble/hashes', 'jose', 'zod']);
  });
});

describe('the packed tarball', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keycard-pack-'));
    // --ignore-scripts: dist/ is already built (global-setup), so skip prepack's second build.
    const out = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], {
      cwd: root,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .at(-1)!;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // hono: keycard/hono imports hono/factory at run time; the other adapters import their framework as types only.
    execFileSync(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(dir, out), 'hono@4'],
      { cwd: dir, stdio: 'ignore' },
    );
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every subpath imports (ESM) in a fresh project', () => {
    const script = subpaths
      .map(
        (s) =>
          `const m${subpaths.indexOf(s)} = await import('${s}'); if (!Object.keys(m${subpaths.indexOf(s)}).length) throw new Error('${s} is empty');`,
      )
      .join('\n');
    const out = execFileSync(
      'node',
      [
        '--input-type=module',
        '-e',
        `${script}\nconst k = await import('keycard'); const s = await import('keycard/store-kit'); const t = s.generateToken({ prefix: 'acme' }); console.log(k.validateToken(t, { prefix: 'acme' }));`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('true');
  });

  it('every subpath require()s from CommonJS (Node >= 20.19 loads ESM)', () => {
    const script = subpaths.map((s) => `if (!Object.keys(require('${s}')).length) throw new Error('${s}');`).join('\n');
    const out = execFileSync('node', ['-e', `${script}\nconsole.log(typeof require('keycard').createKeycard)`], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '--no-warnings' },
    });
    expect(out.trim()).toBe('function');
  });

  it("a new project set up as README's Install says, from an empty folder, runs the quickstart as written", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const install = /## Install\n[\s\S]*?```sh\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? '';
    const lines = install.split('\n');
    const packed = lines.findIndex((l) => l.includes('npm pack'));
    expect(packed).toBeGreaterThanOrEqual(0);
    // The app's own set-up steps, every line after the clone's, run in an empty folder (a newcomer
    // has no package.json yet); the tarball is linked below instead of installed again.
    const steps = lines
      .slice(packed + 1)
      .flatMap((l) => l.replace(/#.*$/, '').split('&&'))
      .map((c) => c.trim())
      .filter((c) => c && !/^(mkdir|cd|npm install)\b/.test(c));
    expect(steps).toContain('npm pkg set type=module');
    // Not under `dir`, whose package.json npm would otherwise find and edit instead.
    const app = mkdtempSync(join(tmpdir(), 'keycard-new-app-'));
    onTestFinished(() => rmSync(app, { recursive: true, force: true }));
    for (const step of steps) execFileSync('sh', ['-c', step], { cwd: app, stdio: 'pipe' });
    expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).type).toBe('module');
    symlinkSync(join(dir, 'node_modules'), join(app, 'node_modules'));
    const [quickstart] = snippetsOf('README.md').filter((s) => s.name === 'quickstart');
    writeFileSync(join(app, 'quickstart.js'), quickstart!.code);
    let out = '';
    try {
      out = execFileSync('node', ['quickstart.js'], { cwd: app, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      out = String((e as { stderr?: string }).stderr);
    }
    expect(out).toMatch(/^acme_sk_1[0-9A-Za-z]{38}\ntok_\w+ \[ 'tickets:write', 'read' \]\n$/);
  });

  it('covers the subpaths SPEC §9 lists that have code', () => {
    expect(subpaths).toEqual(
      expect.arrayContaining(['keycard', 'keycard/express', 'keycard/hono', 'keycard/next', 'keycard/testing']),
    );
  });
});
