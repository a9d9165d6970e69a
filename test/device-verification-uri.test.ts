/**
 * `verification_uri_complete` to the letter of RFC 8628 §3.2 ("A verification URI that includes
 * the "user_code" … designed for non-textual transmission") and RFC 3986 §3.4–3.5: the user code
 * is one more query parameter of `verification_uri`, so a configured `verificationUri` that already
 * has a query keeps it (`?via=cli&user_code=…`, not `?via=cli?user_code=…`, which is one parameter
 * `via` with the value `cli?user_code=…`), and one with a fragment gets the parameter before the
 * fragment (after it, the browser never sends it). Opened on a real Express server with a
 * session, the complete URI goes straight to the approval of that login.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createKeycard, createManagementHandler, defineScopes } from '../src/index.ts';
import { createDeviceRoutes } from '../src/device/index.ts';
import { listenAll } from './manage/servers.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const jason = { kind: 'user' as const, id: 'u_jason', scopes: ['read'] };
const keycard = () => createKeycard({ prefix: 'toado', scopes: defineScopes({ read: {} }) });

async function start(device: (r: Request) => Promise<Response | null>, base: string) {
  const res = (await device(
    new Request(`https://app.example${base}/device/code`, {
      method: 'POST',
      headers: FORM,
      body: 'client_id=cli&scope=read',
    }),
  ))!;
  return (await res.json()) as { user_code: string; verification_uri: string; verification_uri_complete: string };
}

describe('verification_uri_complete is verification_uri plus one user_code parameter (RFC 8628 §3.2)', () => {
  it('a configured URI with a query: through real Express, the complete URI opens the approval', async () => {
    let inner: (r: Request) => Promise<Response> = async () => new Response(null, { status: 503 });
    const { origins, close } = await listenAll((r) => inner(r));
    closers.push(close);
    const origin = origins[0]!;
    inner = createManagementHandler(keycard(), {
      basePath: '/api/tokens',
      authorize: (r) => (r.headers.get('cookie') === 'sid=jason' ? jason : null),
      device: { verificationUri: `${origin}/api/tokens/device?via=cli` },
    });
    const answer = (await (
      await fetch(`${origin}/api/tokens/device/code`, {
        method: 'POST',
        headers: FORM,
        body: 'client_id=cli&scope=read',
      })
    ).json()) as { user_code: string; verification_uri: string; verification_uri_complete: string };
    expect(answer.verification_uri).toBe(`${origin}/api/tokens/device?via=cli`);
    const complete = new URL(answer.verification_uri_complete);
    expect([...complete.searchParams]).toEqual([
      ['via', 'cli'],
      ['user_code', answer.user_code],
    ]);
    const page = await fetch(complete, { headers: { cookie: 'sid=jason', 'sec-fetch-site': 'none' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Approve cli?');
  });

  it('the default and a plain configured URI: unchanged bytes', async () => {
    const plain = await start(createDeviceRoutes(keycard(), { basePath: '/cli', authorize: () => null }), '/cli');
    expect(plain.verification_uri_complete).toBe(`https://app.example/cli/device?user_code=${plain.user_code}`);
    const configured = await start(
      createDeviceRoutes(keycard(), {
        basePath: '/cli',
        authorize: () => null,
        verificationUri: 'https://toado.app/activate',
      }),
      '/cli',
    );
    expect(configured.verification_uri_complete).toBe(`https://toado.app/activate?user_code=${configured.user_code}`);
  });

  it('a configured URI with a fragment: the parameter goes before it', async () => {
    const device = createDeviceRoutes(keycard(), {
      basePath: '/cli',
      authorize: () => null,
      verificationUri: 'https://toado.app/activate?via=cli#code',
    });
    const answer = await start(device, '/cli');
    expect(answer.verification_uri_complete).toBe(
      `https://toado.app/activate?via=cli&user_code=${answer.user_code}#code`,
    );
    expect(new URL(answer.verification_uri_complete).searchParams.get('user_code')).toBe(answer.user_code);
  });
});
