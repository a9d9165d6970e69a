import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('../src/adapters/', import.meta.url);
const adapters = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
  (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
);

describe('adapters are translations', () => {
  it('there are adapters to check', () =>
    expect(adapters).toEqual(expect.arrayContaining(['express.ts', 'hono.ts', 'next.ts'])));
  for (const file of adapters) {
    const source = readFileSync(new URL(file, dir), 'utf8');
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    it(`${file} is at most about 100 lines`, () => {
      expect(source.trimEnd().split('\n').length).toBeLessThanOrEqual(110);
    });
    it(`${file} picks no status: no numeric status literal`, () => {
      expect(code.match(/\b[1-5]\d\d\b/g) ?? []).toEqual([]);
    });
    it(`${file} imports only the public core`, () => {
      expect(code).not.toMatch(/from '(\.\.\/)+(core|stores|testing)\//);
    });
  }
});

describe('types', () => {
  it('a project importing keycard/express and the MCP SDK bearer middleware compiles (tsc --noEmit)', () => {
    // dist/ is built once by test/global-setup.ts.
    const out = (() => {
      try {
        return execFileSync('npx', ['tsc', '-p', 'test/types/express-mcp/tsconfig.json'], { encoding: 'utf8' });
      } catch (e) {
        return String((e as { stdout?: string }).stdout) + String((e as { stderr?: string }).stderr);
      }
    })();
    expect(out.trim()).toBe('');
  }, 180_000); // builds the package and runs tsc: slow on a loaded 2-core machine
});
