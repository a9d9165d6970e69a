/**
 * Issue 13, the newcomer's path: the documented set-ups compile under `strict` (test/types/newcomer,
 * with every marked snippet of README.md and docs/*.md), handler denials keep their
 * 403 behind an app's own error handler (Express) and print nothing (Hono), and a guard naming an
 * unknown scope fails at start.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { expressGuard, type AuthenticatedRequest } from '../src/adapters/express.ts';
import { honoErrorHandler, honoGuard, type KeycardEnv } from '../src/adapters/hono.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { createKeycard, defineScopes, isKeycardError } from '../src/index.ts';
import { snippetsOf, typeSnippetsOf } from './snippets.ts';

const root = new URL('..', import.meta.url);
const newKeycard = () =>
  createKeycard({
    prefix: 'acme',
    scopes: defineScopes({ read: {}, 'tickets:write': { implies: ['read'] } }),
    resources: ['company'],
  });

describe('types: the documented snippets compile under strict (tsc, sources via paths)', () => {
  it('test/types/newcomer and every marked snippet (run or compile-only) of README.md and docs/*.md compile; unknown scopes do not', () => {
    const dir = new URL('.tmp/doc-snippets/', root);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    let count = 0;
    const docs = readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md'));
    for (const file of ['README.md', ...docs.map((f) => `docs/${f}`)]) {
      for (const s of [...snippetsOf(file), ...typeSnippetsOf(file)]) {
        const name = `${file.replace(/[/.]/g, '_')}-${s.name}.${s.lang ?? 'ts'}`;
        writeFileSync(new URL(name, dir), `${s.code}\nexport {};\n`);
        count++;
      }
    }
    expect(count).toBeGreaterThanOrEqual(29);
    let out = '';
    try {
      execFileSync('npx', ['tsc', '-p', 'test/types/newcomer/tsconfig.json'], { cwd: root, encoding: 'utf8' });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout) + String((e as { stderr?: string }).stderr);
    }
    expect(out.trim()).toBe('');
  }, 180_000);
});

describe('start-up errors: a guard naming a scope the catalogue lacks', () => {
  const keycard = newKeycard();
  const cases: [string, () => unknown][] = [
    // @ts-expect-error: "raed" is not a scope of the catalogue
    ['expressGuard', () => expressGuard(keycard)({ scope: 'raed' })],
    // @ts-expect-error: "raed" is not a scope of the catalogue
    ['honoGuard', () => honoGuard(keycard, { scope: 'raed' })],
    // @ts-expect-error: "raed" is not a scope of the catalogue
    ['withKeycard', () => withKeycard(keycard, { scope: 'raed' }, () => new Response(null))],
  ];
  for (const [name, make] of cases) {
    it(`${name} throws invalid_config naming it`, () => {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(isKeycardError(error) && error.code).toBe('invalid_config');
      expect((error as Error).message).toBe(`${name}: Requirement names unknown scope "raed"`);
    });
  }
});

describe('express: an app with its own catch-all error handler (real server)', () => {
  it('answers identity.assert denials with keycard 403 problem, other errors with the app handler', async () => {
    const keycard = newKeycard();
    const guard = expressGuard(keycard);
    const app = express();
    app.get('/c/:company', guard({ scope: 'read' }), (req: AuthenticatedRequest<{ company: string }>, res) => {
      req.keycard.assert({ company: req.params.company }, 'read');
      res.json({ ok: true });
    });
    app.get(
      '/async/:company',
      guard({ scope: 'read' }),
      (req: AuthenticatedRequest<{ company: string }>, _res, next) => {
        setImmediate(() => {
          try {
            req.keycard.assert({ company: req.params.company }, 'read');
          } catch (e) {
            next(e);
          }
        });
      },
    );
    app.get('/bug', guard(), () => {
      throw new Error('bug');
    });
    app.use((_err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ app: 'handled' });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    try {
      const { token } = await keycard.issue({
        ownerId: 'u1',
        label: 'r',
        scopes: ['read'],
        restrictions: { company: ['c1'] },
      });
      const get = (path: string) =>
        fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect((await get('/c/c1')).status).toBe(200);
      for (const path of ['/c/c9', '/async/c9', '/c/c9']) {
        const res = await get(path);
        expect(res.status).toBe(403);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect((await res.json()).code).toBe('forbidden_resource');
      }
      const bug = await get('/bug');
      expect(bug.status).toBe(500);
      expect(await bug.json()).toEqual({ app: 'handled' });
    } finally {
      server.close();
      await keycard.close();
    }
  });
});

describe('hono: the documented set-up (app.onError(honoErrorHandler)) on @hono/node-server', () => {
  it('answers a handler denial 403 and writes nothing to stderr', async () => {
    const keycard = newKeycard();
    const app = new Hono<KeycardEnv>();
    app.onError(honoErrorHandler(keycard));
    app.use('/api/*', honoGuard(keycard));
    app.get('/api/c/:company', (c) => {
      c.get('keycard').assert({ company: c.req.param('company') }, 'read');
      return c.json({ ok: true });
    });
    const written: string[] = [];
    const write = vi
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    const error = vi
      .spyOn(console, 'error')
      .mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(' ')));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    try {
      await new Promise((r) => server.once('listening', r));
      const { port } = server.address() as AddressInfo;
      const { token } = await keycard.issue({
        ownerId: 'u1',
        label: 'r',
        scopes: ['read'],
        restrictions: { company: ['c1'] },
      });
      const res = await fetch(`http://127.0.0.1:${port}/api/c/c9`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(403);
      expect((await res.json()).code).toBe('forbidden_resource');
    } finally {
      write.mockRestore();
      error.mockRestore();
      server.close();
      await keycard.close();
    }
    expect(written).toEqual([]);
  });
});
