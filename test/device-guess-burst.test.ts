/**
 * The user-code entry limit (SPEC §13, RFC 8628 §5.1) against guesses sent at once rather than one
 * after another: a session may look up `maxEntryAttempts` (5) wrong codes per window, however its
 * requests are timed. Each guess is a raw GET (or approval POST) on its own socket to real Express
 * and Hono servers, all written in one tick, so every request is in the handler before the first
 * lookup answers. The store is the memory store a network hop away (each lookup answers 20 ms
 * late, as a database across a network does), and a real Postgres server when DATABASE_URL is set.
 */
import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeycard, createManagementHandler, defineScopes, KeycardError, type UserActor } from '../src/index.ts';
import { memoryPendingGrantStore, type PendingGrantStore } from '../src/device/index.ts';
import { USER_CODE_ALPHABET } from '../src/device/codes.ts';
import { fromPg } from '../src/stores/postgres-port.ts';
import { migrateDeviceGrants, postgresPendingGrantStore } from '../src/stores/postgres-grant-store.ts';
import { listenAll } from './manage/servers.ts';

const BASE = '/api/tokens';
const jason: UserActor = { kind: 'user', id: 'u_jason', scopes: ['read'] };
const GUESSES = 60;
const LIMIT = 5;

/** `store` with every `getByUserCode` counted, answering `delayMs` late. */
function counted(inner: PendingGrantStore, delayMs: number) {
  const seen = { lookups: 0 };
  const store: PendingGrantStore = Object.assign(Object.create(inner) as PendingGrantStore, {
    getByUserCode: async (code: string) => {
      seen.lookups++;
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return inner.getByUserCode(code);
    },
  });
  return { store, seen };
}

async function served(store: PendingGrantStore, onError: (error: unknown) => void = () => {}) {
  const keycard = createKeycard({ prefix: 'toado', scopes: defineScopes({ read: { description: 'Read' } }) });
  const handler = createManagementHandler(keycard, {
    basePath: BASE,
    authorize: (r) => (r.headers.get('cookie') === 'session=jason' ? jason : null),
    device: { store },
    onError,
  });
  return listenAll(handler);
}

/** Starts a device login on `origin` and answers its user code. */
async function startLogin(origin: string): Promise<string> {
  const started = await fetch(`${origin}${BASE}/device/code`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'client_id=cli&scope=read',
  });
  return ((await started.json()) as { user_code: string }).user_code;
}

/** Opens one socket per request, then writes every request in one tick; answers the status codes. */
async function burst(origin: string, requests: readonly string[]): Promise<number[]> {
  const port = Number(new URL(origin).port);
  const sockets = await Promise.all(
    requests.map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => resolve(s));
          s.on('error', reject);
        }),
    ),
  );
  const answers = sockets.map(
    (s) =>
      new Promise<number>((resolve) => {
        const chunks: Buffer[] = [];
        s.on('data', (c) => chunks.push(c));
        s.on('end', () => resolve(Number(Buffer.concat(chunks).toString('latin1').split(' ')[1])));
      }),
  );
  sockets.forEach((s, i) => s.write(requests[i]!));
  return Promise.all(answers);
}

/** `n` distinct well-formed codes, none of them live. */
const wrongCodes = (n: number, salt: number) =>
  Array.from({ length: n }, (_, i) =>
    Array.from({ length: 8 }, (_, j) => USER_CODE_ALPHABET[(i * 7 + j * 3 + salt) % 20]).join(''),
  );

/** The raw requests: `Host` names the server as a browser's would, so the approval's `Origin` is its own. */
const page = (origin: string, code: string) =>
  `GET ${BASE}/device?user_code=${code} HTTP/1.0\r\nHost: ${new URL(origin).host}\r\nCookie: session=jason\r\n\r\n`;
const approval = (origin: string, code: string) => {
  const body = `user_code=${code}&scope=read&expires=30d`;
  return (
    `POST ${BASE}/device/approve HTTP/1.0\r\nHost: ${new URL(origin).host}\r\nCookie: session=jason\r\nOrigin: ${origin}\r\n` +
    `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`
  );
};

const tally = (statuses: readonly number[]) => {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
};

describe('user codes guessed all at once: still at most 5 looked up per session', () => {
  for (const [what, make] of [
    ['GET /device?user_code=', page],
    ['POST /device/approve', approval],
  ] as const)
    it(`${what}: ${GUESSES} guesses in one burst, a store 20 ms away: ${LIMIT} lookups, the rest 429`, async () => {
      for (const server of [0, 1] as const) {
        const { store, seen } = counted(memoryPendingGrantStore(), 20);
        const { origins, close } = await served(store);
        try {
          const origin = origins[server]!;
          const statuses = await burst(
            origin,
            wrongCodes(GUESSES, server).map((c) => make(origin, c)),
          );
          expect({ server: ['express', 'hono'][server], lookups: seen.lookups, statuses: tally(statuses) }).toEqual({
            server: ['express', 'hono'][server],
            lookups: LIMIT,
            statuses: { 400: LIMIT, 429: GUESSES - LIMIT },
          });
        } finally {
          await close();
        }
      }
    });

  it('the right code in a burst of 3 wrong ones is not counted: the person can still go on', async () => {
    const inner = memoryPendingGrantStore();
    const { store } = counted(inner, 20);
    const { origins, close } = await served(store);
    try {
      const origin = origins[0]!;
      const user_code = await startLogin(origin);
      const statuses = await burst(
        origin,
        [...wrongCodes(3, 0), user_code].map((c) => page(origin, c)),
      );
      expect(statuses).toEqual([400, 400, 400, 200]);
      // Three wrong entries so far: two more are allowed, then the right code is refused too.
      expect(
        tally(
          await burst(
            origin,
            wrongCodes(3, 9).map((c) => page(origin, c)),
          ),
        ),
      ).toEqual({ 400: 2, 429: 1 });
      expect(await burst(origin, [page(origin, user_code)])).toEqual([429]);
    } finally {
      await close();
    }
  });
});

describe('an entry whose lookup failed is taken back', () => {
  it('six entries while the store is down are 503s, not wrong entries: the right code then goes on', async () => {
    const inner = memoryPendingGrantStore();
    let down = false;
    const store: PendingGrantStore = Object.assign(Object.create(inner) as PendingGrantStore, {
      getByUserCode: async (code: string) => {
        if (down) throw new Error('grant store unavailable');
        return inner.getByUserCode(code);
      },
    });
    const reported: unknown[] = [];
    const { origins, close } = await served(store, (e) => void reported.push(e));
    try {
      const origin = origins[0]!;
      const user_code = await startLogin(origin);
      down = true;
      const failed = [];
      for (const code of wrongCodes(LIMIT + 1, 4)) failed.push(...(await burst(origin, [page(origin, code)])));
      expect(failed).toEqual(Array<number>(LIMIT + 1).fill(503));
      // The outage reached the integrator's onError (reports within a second are coalesced: the
      // first at once, the count of the rest when the second ends), and nothing else printed it.
      expect(reported.length).toBeGreaterThanOrEqual(1);
      expect(reported[0]).toBeInstanceOf(KeycardError);
      expect((reported[0] as KeycardError).code).toBe('unavailable');
      down = false;
      expect(await burst(origin, [page(origin, user_code)])).toEqual([200]);
    } finally {
      await close();
    }
  });
});

const DATABASE_URL = process.env['DATABASE_URL'];
describe.skipIf(!DATABASE_URL)('on a real Postgres pending-grant store (DATABASE_URL)', () => {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
  pool.on('error', () => {});
  afterAll(() => pool.end());

  it(`${GUESSES} guesses in one burst, three rounds on each server: ${LIMIT} lookups each time`, async () => {
    const port = fromPg(pool, { listen: false });
    await migrateDeviceGrants(port);
    for (let round = 0; round < 3; round++)
      for (const server of [0, 1] as const) {
        const { store, seen } = counted(postgresPendingGrantStore(port), 0);
        const { origins, close } = await served(store);
        try {
          const origin = origins[server]!;
          const statuses = await burst(
            origin,
            wrongCodes(GUESSES, round * 2 + server).map((c) => page(origin, c)),
          );
          expect([seen.lookups, tally(statuses)]).toEqual([LIMIT, { 400: LIMIT, 429: GUESSES - LIMIT }]);
        } finally {
          await close();
        }
      }
  });
});
