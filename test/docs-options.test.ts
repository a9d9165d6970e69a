// Every option of every public entry is documented (the newcomer's path, walked again: newcomer49).
// A newcomer reads docs/, not src/: an option the types accept but no page names is one they never
// learn of (`jwtAccessTokens({ algorithms })`), and one no page names may do nothing at all.
// For each subpath of package.json `exports` (tsup's entries), the TypeScript checker lists:
// - the properties of an options parameter (`options`, `where`, `over`) of every exported function;
// - the members of what the factories in RETURNED answer (the instance, the catalogue, …);
// and each must appear as a code span (`name`, `name: …`, `{ name }`) in a page of docs/ (or the
// README) that also names its owner (the function or type), so the option is documented where
// that owner is.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, memoryAuditSink, memoryTokenStore } from '../src/index.ts';
import { createHash } from 'node:crypto';
import { problem } from '../src/adapter-kit.ts';
import { createHasher } from '../src/store-kit.ts';
import { fakeClock } from '../src/testing/index.ts';
import { credentialsPath } from '../src/cli/index.ts';
import { jwtAccessTokens, protectedResource } from '../src/oauth/index.ts';

const root = new URL('..', import.meta.url);
const pages = [
  'README.md',
  ...readdirSync(new URL('docs', root))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
].map((path) => ({ path, text: readFileSync(new URL(path, root), 'utf8') }));

/** Code spans of a page (inline and fenced), for a word-bounded search of option names. */
const spans = new Map(
  pages.map(({ path, text }) => [path, [...text.matchAll(/```[\s\S]*?```|`[^`]+`/g)].map((m) => m[0])]),
);
const word = (name: string) => new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`);

/** Pages that name `owner` (in a code span), and whether one of them also names `option` in one. */
function documented(owner: string, option: string): boolean {
  const o = word(owner);
  const p = word(option);
  return pages.some(({ path }) => {
    const s = spans.get(path)!;
    return s.some((x) => o.test(x)) && s.some((x) => p.test(x));
  });
}

const OPTION_PARAMETERS = new Set(['options', 'where', 'over']);
/** Factories whose answer is an object the integrator calls members of. */
const RETURNED = new Set([
  'createKeycard',
  'defineScopes',
  'fakeClock',
  'createHasher',
  'memoryTokenStore',
  'memoryAuditStore',
  'mcpGate',
  'createManagementClient',
]);

async function publicOptions(): Promise<{ owner: string; option: string }[]> {
  const { entries } = await import('../tsup.config.ts');
  const files = Object.values(entries).map((f) => new URL(f, root).pathname);
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const found = new Map<string, { owner: string; option: string }>();
  const objectish = (t: ts.Type): boolean =>
    t.isUnion() ? t.types.every(objectish) : t.isIntersection() || (t.flags & ts.TypeFlags.Object) !== 0;
  const add = (owner: string, type: ts.Type) => {
    const options = checker.getNonNullableType(type);
    if (!objectish(options)) return; // `configError(error, options: string)`: no options object
    for (const p of checker.getPropertiesOfType(options)) {
      const option = p.getName();
      if (option.startsWith('__') || option.startsWith('#')) continue;
      found.set(`${owner}.${option}`, { owner, option });
    }
  };
  for (const file of files) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decl = symbol.declarations?.[0];
      if (!decl) continue;
      const name = exported.getName();
      if (!(symbol.flags & ts.SymbolFlags.Function)) continue;
      for (const signature of checker.getTypeOfSymbolAtLocation(symbol, decl).getCallSignatures()) {
        for (const parameter of signature.parameters)
          if (OPTION_PARAMETERS.has(parameter.getName())) add(name, checker.getTypeOfSymbolAtLocation(parameter, decl));
        if (RETURNED.has(name)) add(name === 'createKeycard' ? 'keycard' : name, signature.getReturnType());
      }
    }
  }
  return [...found.values()];
}

describe('every option of the public entries is documented', () => {
  it('each option is named in a page that names its function or type', async () => {
    const all = await publicOptions();
    // The walk reads what it should: the options of the factories a newcomer calls first.
    for (const key of [
      'createKeycard.prefix',
      'jwtAccessTokens.issuer',
      'createManagementHandler.authorize',
      'keycard.issue',
    ])
      expect(all.map((o) => `${o.owner}.${o.option}`)).toContain(key);
    expect(all.length).toBeGreaterThan(200);
    const missing = all.filter(({ owner, option }) => !documented(owner, option)).map((o) => `${o.owner}: ${o.option}`);
    expect(missing).toEqual([]);
  }, 60_000);
});

describe('the options documented here do what the pages say', () => {
  it('docs/mcp.md: jwtAccessTokens refuses an HMAC `algorithms` and both or neither of `jwksUrl`/`keys`; `requireAccessTokenType: false` admits a JWT without `typ: at+jwt`', async () => {
    const base = { issuer: 'https://auth.example.com', audience: 'https://api.example.com/mcp' };
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const keys = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };
    expect(() => jwtAccessTokens({ ...base, keys, algorithms: ['HS256'] })).toThrow(/algorithms/);
    expect(() => jwtAccessTokens(base)).toThrow(/exactly one of `jwksUrl` and `keys`/);
    const at = Math.floor(Date.now() / 1000);
    const claims = {
      iss: base.issuer,
      aud: base.audience,
      sub: 'u1',
      client_id: 'c1',
      scope: 'read',
      jti: randomUUID(),
      iat: at,
      exp: at + 60,
    };
    const plainJwt = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'k1' })
      .sign(privateKey);
    const verdict = async (options: Partial<Parameters<typeof jwtAccessTokens>[0]>) => {
      const keycard = createKeycard({
        prefix: 'acme',
        scopes: defineScopes({ read: {} }),
        oauth: jwtAccessTokens({ ...base, keys, ...options }),
      });
      const result = await keycard.verify(plainJwt);
      await keycard.close();
      return result.ok ? 'ok' : result.code;
    };
    expect(await verdict({})).toBe('invalid_token');
    expect(await verdict({ requireAccessTokenType: false })).toBe('ok');
    expect(await verdict({ requireAccessTokenType: false, algorithms: ['RS256'] })).toBe('invalid_token');
  });

  it('docs/mcp.md: a verifier of your own, shaped as the page says, admits its tokens through createKeycard({ oauth })', async () => {
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: defineScopes({ read: {}, write: { implies: ['read'] } }),
      oauth: {
        kind: 'oauth',
        verify: async (token) =>
          token === 'opaque-1'
            ? {
                ok: true,
                tokenId: 'intro:u1:c1',
                subject: 'u1',
                clientId: 'c1',
                scopes: ['write'],
                expiresAt: Date.now() + 60_000,
                issuedAt: Date.now(),
                ownerId: 'u1',
                workspaceId: null,
                label: 'c1 (introspected)',
              }
            : { ok: false, code: 'invalid_token' },
      },
    });
    const ok = await keycard.verify('opaque-1');
    const refused = await keycard.verify('opaque-2');
    await keycard.close();
    expect(
      ok.ok && { kind: ok.identity.kind, tokenId: ok.identity.tokenId, scopes: [...ok.identity.scopes].sort() },
    ).toEqual({ kind: 'oauth', tokenId: 'intro:u1:c1', scopes: ['read', 'write'] });
    expect(refused).toMatchObject({ ok: false, code: 'invalid_token' });
  });

  it('docs/mcp.md: protectedResource puts `resourceName` and `resourceDocumentation` in the document', () => {
    const resource = protectedResource({
      resource: 'https://api.example.com/mcp',
      authorizationServers: ['https://auth.example.com'],
      scopesSupported: ['read'],
      resourceName: 'Acme tickets',
      resourceDocumentation: 'https://app.example.com/settings/tokens',
    });
    expect(resource.document).toMatchObject({
      resource_name: 'Acme tickets',
      resource_documentation: 'https://app.example.com/settings/tokens',
    });
    expect(() =>
      protectedResource({
        resource: 'https://api.example.com/mcp',
        authorizationServers: ['https://auth.example.com'],
        scopesSupported: [],
        resourceName: '',
      }),
    ).toThrow(/resourceName/);
  });

  it("docs/architecture.md: problem()'s options dress the answer as createKeycard's realm, problemTypeBase, resourceMetadataUrl and settingsUrl do", async () => {
    const options = {
      realm: 'acme',
      typeBase: 'https://docs.acme.dev/errors#',
      resourceMetadata: 'https://api.acme.dev/.well-known/oauth-protected-resource',
      settingsUrl: 'https://app.acme.dev/settings/tokens',
    };
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: defineScopes({ read: {} }),
      realm: options.realm,
      problemTypeBase: options.typeBase,
      resourceMetadataUrl: options.resourceMetadata,
      settingsUrl: options.settingsUrl,
    });
    const answer = await keycard.authenticate({ method: 'GET', url: '/api', headers: {} });
    await keycard.close();
    const made = problem({ code: 'missing_token' }, options);
    if (answer.ok || answer.skip !== undefined) throw new Error('expected the missing_token 401');
    expect({ status: made.status, headers: made.headers, body: made.body }).toEqual({
      status: answer.status,
      headers: answer.headers,
      body: answer.body,
    });
    expect(JSON.parse(made.body)).toMatchObject({ type: 'https://docs.acme.dev/errors#missing_token' });
    expect(made.headers['WWW-Authenticate']).toContain(
      'resource_metadata="https://api.acme.dev/.well-known/oauth-protected-resource"',
    );
  });

  it('docs/audit.md: keycard.recordAudit delivers a management event to the sinks, stamped and masked', async () => {
    const sink = memoryAuditSink();
    const keycard = createKeycard({ prefix: 'acme', scopes: defineScopes({ read: {} }), audit: sink });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] });
    await keycard.recordAudit({
      type: 'device.requested',
      tokenId: null,
      label: `cli on ${token}`,
      ownerId: null,
      workspaceId: null,
      actor: { kind: 'system', id: null },
    });
    await keycard.close();
    const event = sink.events.at(-1)!;
    expect(event).toMatchObject({ type: 'device.requested', label: 'cli on [redacted]' });
    expect(typeof event.time).toBe('string');
  });

  it("docs/scopes.md: the catalogue's `definitions`, `isWithin` and `parseGrant`", () => {
    const scopes = defineScopes({ read: { description: 'Read' }, comments: { implies: ['read'] } });
    expect(scopes.definitions).toEqual({ read: { description: 'Read' }, comments: { implies: ['read'] } });
    expect(scopes.presets).toEqual({});
    expect(scopes.defaults).toEqual([]);
    expect([scopes.isWithin(['read'], ['comments']), scopes.isWithin(['comments'], ['read'])]).toEqual([true, false]);
    expect(scopes.parseGrant(['read', 'comments', 'read'])).toEqual(['read', 'comments']);
    expect(() => scopes.parseGrant(['raed'], 'grant')).toThrow('grant names unknown scope "raed"');
    expect(() => scopes.parseGrant('read')).toThrow('scopes must be an array of scope names');
  });

  it('docs/storage.md: a memoryTokenStore of your own tells its `size`', async () => {
    const store = memoryTokenStore();
    const keycard = createKeycard({ prefix: 'acme', scopes: defineScopes({ read: {} }), store });
    await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] });
    await keycard.close();
    expect(store.size).toBe(1);
  });

  it("docs/tokens.md and docs/stores.md: createHasher's and fakeClock's members", () => {
    const token = 'acme_sk_1anything';
    const plain = createHasher();
    expect([plain.currentVersion, plain.retiringVersions]).toEqual([0, []]);
    expect(plain.hash(token)).toBe(createHash('sha256').update(token).digest('hex'));
    const secret = (n: number) => `pepper-${n}-at-least-thirty-two-bytes-long!`;
    const peppered = createHasher([
      { version: 3, secret: secret(3) },
      { version: 1, secret: secret(1) },
      { version: 2, secret: secret(2) },
    ]);
    expect([peppered.currentVersion, peppered.retiringVersions]).toEqual([3, [1, 2]]);
    expect(peppered.hash(token)).toBe(peppered.hash(token, 3));
    expect(peppered.hash(token, 1)).toMatch(/^[0-9a-f]{64}$/);
    const clock = fakeClock();
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1));
    const mono = clock.monotonic();
    clock.advance(1000);
    clock.setNow(0);
    expect([clock.now(), clock.monotonic() - mono]).toEqual([0, 1000]);
  });

  it('docs/cli.md: the files take `env`, `platform` and `home`', () => {
    expect(credentialsPath('toado', { env: {}, platform: 'linux', home: '/home/jo' })).toBe(
      '/home/jo/.config/toado/env',
    );
    expect(
      credentialsPath('toado', { env: { TOADO_CONFIG_DIR: '/etc/toado' }, platform: 'linux', home: '/home/jo' }),
    ).toBe('/etc/toado/env');
    expect(credentialsPath('toado', { env: {}, platform: 'win32', home: 'C:\\Users\\jo' })).toBe(
      'C:\\Users\\jo\\AppData\\Roaming\\toado\\env',
    );
  });
});
