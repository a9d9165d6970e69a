/**
 * Issue 13, the newcomer's path: the documented set-ups compile under `strict` (test/types/newcomer,
 * with every marked snippet of README.md and docs/*.md; again as `tsc --init`'s nodenext project), handler denials keep their
 * 403 behind an app's own error handler (Express) and print nothing (Hono), and a guard naming an
 * unknown scope fails at start.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { expressGuard, type AuthenticatedRequest } from '../src/adapters/express.ts';
import { honoErrorHandler, honoGuard, type KeycardEnv } from '../src/adapters/hono.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { createKeycard, createLeakIntakeHandler, defineScopes, isKeycardError } from '../src/index.ts';
import { compileDocSnippets } from './snippets.ts';

const newKeycard = () =>
  createKeycard({
    prefix: 'acme',
    scopes: defineScopes({ read: {}, 'tickets:write': { implies: ['read'] } }),
    resources: ['company'],
  });

describe('types: the documented snippets compile under strict', () => {
  const projects: [string, string, string, number][] = [
    [
      'test/types/newcomer and every marked snippet (run or compile-only) of README.md and docs/*.md compile (bundler resolution, sources via paths); unknown scopes do not',
      'doc-snippets',
      'test/types/newcomer/tsconfig.json',
      29,
    ],
    // The project `npx tsc --init` writes for Node (TypeScript 5.9 and later), against the built
    // declarations (dist/*.d.ts, reached by the package's own name, as an installed tarball is).
    [
      'every marked snippet compiles in a project made by `tsc --init` (nodenext, exactOptionalPropertyTypes, noUncheckedIndexedAccess, verbatimModuleSyntax) against dist/*.d.ts',
      'doc-snippets-init',
      'test/types/newcomer-init/tsconfig.json',
      70,
    ],
  ];
  for (const [name, folder, tsconfig, least] of projects) {
    it(
      name,
      () => {
        const { count, out } = compileDocSnippets(folder, tsconfig);
        expect(count).toBeGreaterThanOrEqual(least);
        expect(out.trim()).toBe('');
      },
      180_000,
    );
  }

  it('createLeakIntakeHandler takes keysUrl: undefined (an unset variable): the default for GitHub, invalid_config naming keysUrl for GitLab', () => {
    const keycard = newKeycard();
    expect(createLeakIntakeHandler(keycard, { provider: 'github', keysUrl: undefined })).toBeTypeOf('function');
    const thrown = expect.objectContaining({ code: 'invalid_config', message: expect.stringMatching(/keysUrl/) });
    expect(() => createLeakIntakeHandler(keycard, { provider: 'gitlab', keysUrl: undefined })).toThrow(thrown);
  });
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
