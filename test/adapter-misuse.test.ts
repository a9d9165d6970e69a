/**
 * The newcomer's path, walked again (newcomer45): the adapters' arguments given the wrong way
 * round, as untyped code can. `app.use('/api', guard)` (the factory `expressGuard(keycard)`
 * returns, mounted itself) used to answer a 500 whose message listed every property of Node's
 * request as an "unknown option"; `expressGuard(keycard, { scope })` (honoGuard's shape) dropped
 * the requirement; `app.use('/api/*', honoGuard)` made Hono return a function as the response;
 * `withKeycard(keycard, handler)` ran the handler as the requirement, before any token was checked,
 * then threw a TypeError. Each is now an `invalid_config` KeycardError saying what to write, and
 * no handler runs. Real Express and Hono servers.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { expressGuard } from '../src/adapters/express.ts';
import { honoGuard } from '../src/adapters/hono.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { createKeycard, defineScopes, isKeycardError } from '../src/index.ts';

const newKeycard = () => createKeycard({ prefix: 'acme', scopes: defineScopes({ read: {} }) });

/** The KeycardError `make` throws, or a failure naming what it did instead. */
function thrown(make: () => unknown): { code: string; message: string } {
  try {
    make();
  } catch (e) {
    if (isKeycardError(e)) return { code: e.code, message: e.message };
    throw new Error(`threw something else: ${String(e)}`);
  }
  throw new Error('did not throw');
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('expressGuard: the factory mounted as middleware (real Express server)', () => {
  for (const [name, mount] of [
    ['app.use(path, guard)', (app: express.Express, g: unknown) => app.use('/api', g as express.RequestHandler)],
    [
      'app.get(path, guard, handler)',
      (app: express.Express, g: unknown) => app.get('/api/x', g as express.RequestHandler),
    ],
  ] as const) {
    it(`${name}: no handler runs; the error says to mount guard() — not a list of the request's properties`, async () => {
      const keycard = newKeycard();
      const { token } = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] });
      const app = express();
      let ran = 0;
      const errors: unknown[] = [];
      mount(app, expressGuard(keycard));
      app.get('/api/x', (_req, res) => void (ran++, res.json({ ran: true })));
      app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
        errors.push(err);
        res.status(500).json({ error: 'internal' });
      });
      const base = await listen(app);
      for (const headers of [{}, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
        const res = await fetch(`${base}/api/x`, { headers });
        expect(res.status).toBe(500);
      }
      expect(ran).toBe(0);
      expect(errors).toHaveLength(2);
      for (const e of errors) {
        expect(isKeycardError(e) && e.code).toBe('invalid_config');
        const message = (e as Error).message;
        expect(message).toMatch(/guard\(\) or guard\(\{ scope/);
        expect(message).not.toMatch(/unknown option/);
      }
      await keycard.close();
    });
  }

  it('extra arguments that are not Express’s (requirements.map(guard)) still make a guard, as before', () => {
    const guard = expressGuard(newKeycard());
    const made = ([{ scope: 'read' }] as const).map(guard); // and it compiles (test/types/newcomer/express.ts)
    expect(made).toHaveLength(1);
    expect(made[0]).toBeTypeOf('function');
  });

  it('expressGuard(keycard, { scope }) — honoGuard’s shape — is refused when made, not a requirement dropped', () => {
    const keycard = newKeycard();
    // @ts-expect-error: expressGuard takes the keycard only
    const e = thrown(() => expressGuard(keycard, { scope: 'read' }));
    expect(e.code).toBe('invalid_config');
    expect(e.message).toMatch(/expressGuard\(keycard\)\(\{ scope/);
  });
});

describe('the keycard argument left out or misplaced: refused when the guard is made', () => {
  const notKeycards: [string, unknown, string][] = [
    ['undefined', undefined, 'got undefined'],
    ['an options object', { prefix: 'acme' }, 'got an object'],
    ['a scope catalogue', defineScopes({ read: {} }), 'got an object'],
  ];
  for (const [what, value, got] of notKeycards) {
    it(`${what}: expressGuard, honoGuard and withKeycard throw invalid_config naming createKeycard`, () => {
      const makes: [string, () => unknown][] = [
        ['expressGuard', () => expressGuard(value as never)],
        ['honoGuard', () => honoGuard(value as never)],
        ['withKeycard', () => withKeycard(value as never, undefined, () => new Response(null))],
      ];
      for (const [adapter, make] of makes) {
        const e = thrown(make);
        expect(e.code, adapter).toBe('invalid_config');
        expect(e.message, adapter).toContain(`${adapter}: `);
        expect(e.message, adapter).toMatch(/createKeycard\(\)/);
        expect(e.message, adapter).toMatch(new RegExp(`${got}$`)); // what it got, never its contents
      }
    });
  }
});

describe('honoGuard mounted bare: app.use(path, honoGuard)', () => {
  it('no handler runs and onError gets an invalid_config saying honoGuard(keycard)', async () => {
    const keycard = newKeycard();
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] });
    const app = new Hono();
    let ran = 0;
    const errors: unknown[] = [];
    app.onError((err, c) => (errors.push(err), c.json({ error: 'internal' }, 500)));
    app.use('/api/*', honoGuard as never);
    app.get('/api/x', (c) => (ran++, c.text('ran')));
    for (const headers of [{}, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
      const res = await app.request('/api/x', { headers });
      expect(res).toBeInstanceOf(Response);
      expect(res.status).toBe(500);
    }
    expect(ran).toBe(0);
    expect(errors).toHaveLength(2);
    for (const e of errors) {
      expect(isKeycardError(e) && e.code).toBe('invalid_config');
      expect((e as Error).message).toMatch(/honoGuard\(keycard\)/);
    }
    await keycard.close();
  });
});

describe('withKeycard(keycard, handler): the requirement left out', () => {
  it('is refused at module load, and the handler never runs unauthenticated', async () => {
    const keycard = newKeycard();
    let ran = 0;
    const handler = () => (ran++, Response.json({ deleted: true }));
    // @ts-expect-error: the requirement (or undefined) comes before the handler
    const e = thrown(() => withKeycard(keycard, handler));
    expect(e.code).toBe('invalid_config');
    expect(e.message).toMatch(/withKeycard\(keycard, \{ scope/);
    // A handler that is not a function is named too.
    // @ts-expect-error: the handler must be a function
    expect(thrown(() => withKeycard(keycard, { scope: 'read' }, 'nope')).message).toMatch(
      /handler must be a function, got a string:/,
    );
    expect(ran).toBe(0);
    await keycard.close();
  });
});
