import { describe, expect, it } from 'vitest';
import { leakFixture, providerKey, sign } from '../../test/leaks-fixture.ts';
import { createKeycard, defineScopes, isKeycardError } from '../index.ts';
import { createLeakIntakeHandler } from './handler.ts';

describe('createLeakIntakeHandler: options', () => {
  const keycard = createKeycard({ prefix: 'acme', scopes: defineScopes({ read: {} }, { defaults: ['read'] }) });
  const refuse = (options: unknown, ...fields: string[]) => {
    try {
      createLeakIntakeHandler(keycard, options as never);
    } catch (e) {
      expect(isKeycardError(e) && e.code).toBe('invalid_config');
      for (const field of fields) expect((e as Error).message).toContain(field);
      return;
    }
    throw new Error('accepted');
  };

  it('refuses bad options naming every field, and GitLab without its key endpoint', () => {
    refuse({ provider: 'bitbucket' }, 'provider');
    refuse({ provider: 'github', maxBodyBytes: -1, keysUrl: 'ftp://x', extra: 1 }, 'maxBodyBytes', 'keysUrl', 'extra');
    refuse({ provider: 'github', tokenHashEncoding: 'raw' }, 'tokenHashEncoding');
    refuse({ provider: 'gitlab' }, 'keysUrl');
    refuse(null, 'options');
    expect(() => createLeakIntakeHandler({} as never, { provider: 'github' })).toThrow(/createKeycard/);
  });

  it('takes keysUrl only as https, or http on a loopback host', () => {
    for (const url of ['http://api.github.com/meta/public_keys/secret_scanning', 'http://10.0.0.1/keys', 'ws://x/k'])
      refuse({ provider: 'github', keysUrl: url }, 'keysUrl');
    const ok = ['https://gitlab.example/keys', 'http://127.0.0.1:8080/keys', 'http://localhost/k', 'http://[::1]/k'];
    for (const keysUrl of ok)
      expect(createLeakIntakeHandler(keycard, { provider: 'gitlab', keysUrl })).toBeTypeOf('function');
  });

  it('accepts a GitLab report (Gitlab-* headers, no source) against the key endpoint it is given', async () => {
    const key = await providerKey('gl1');
    const urls: string[] = [];
    const f = await leakFixture({
      provider: 'gitlab',
      keysUrl: 'https://gitlab.example/keys',
      fetch: async (u) => {
        urls.push(String(u));
        return Response.json({ public_keys: [{ key_identifier: 'gl1', key: key.pem, is_current: true }] });
      },
    });
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const body = JSON.stringify([
      { type: 'acme_token', token: live.token, url: 'https://gitlab.example/r/-/raw/abc/f.env' },
    ]);
    const res = await f.handler(
      new Request('http://localhost/leaks', {
        method: 'POST',
        body,
        headers: { 'Gitlab-Public-Key-Identifier': 'gl1', 'Gitlab-Public-Key-Signature': await sign(key, body) },
      }),
    );
    expect(res.status).toBe(200);
    expect(urls).toEqual(['https://gitlab.example/keys']);
    expect(await f.keycard.verify(live.token)).toEqual({ ok: false, code: 'token_revoked' });
    expect(f.notices[0]).toMatchObject({
      provider: 'gitlab',
      source: '',
      url: 'https://gitlab.example/r/-/raw/abc/f.env',
    });
    // GitHub's headers mean nothing to a GitLab endpoint.
    const gh = await f.handler(await f.report(body, { key }));
    expect(gh.status).toBe(401);
  });
});
