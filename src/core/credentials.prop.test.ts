import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { authorizationValues, queryTokens, readCredential, type CredentialResult } from './credentials.ts';

// --- A reference model: SPEC §8's 400 rules restated as regular expressions ------------------
// Slow and allocation-happy on purpose; the implementation under test is a hand-written scanner,
// so agreement between the two is evidence that both say what the SPEC says.

const B64TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;
const FIELD = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?: +([^]*))?$/;
// A quoted-string only as an auth-param's value (after a name, `=` and OWS); a quote elsewhere,
// also after an `=` with no name before it (`Basic ="`, `x=="`), is a character.
const QUOTED = /([!#$%&'*+\-.^_`|~0-9A-Za-z][ \t]*=[ \t]*)"(?:[^"\\]|\\[^])*"/g;
const UNTERMINATED = /[!#$%&'*+\-.^_`|~0-9A-Za-z][ \t]*=[ \t]*"[^]*$/;
// After a comma, anything but an auth-param with a value (a token, or a quoted-string: \u0001 below)
// is a second field line (Web Headers join them with ", ").
const SECOND_CREDENTIAL = /,(?![ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=[ \t]*[\u0001!#$%&'*+\-.^_`|~0-9A-Za-z])/;

function model(lines: readonly string[], query: readonly string[] | null, max: number): CredentialResult['kind'] {
  const count = lines.length + (query?.length ?? 0);
  if (count === 0) return 'none';
  if (count > 1) return 'malformed';
  if (lines.length === 0) {
    const token = query![0]!;
    return token.length <= max && B64TOKEN.test(token) ? 'bearer' : 'malformed';
  }
  const value = lines[0]!.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
  const m = FIELD.exec(value);
  if (m === null) return 'malformed';
  const scheme = m[1]!;
  const rest = m[2];
  if (scheme.toLowerCase() !== 'bearer') {
    if (rest === undefined) return 'other-scheme';
    // An auth-param's quoted-string value counts as one character that is neither tchar, SP nor `=`.
    const outsideQuotes = rest.replace(QUOTED, '$1\u0001');
    // A quoted-string left open is malformed: its comma may be a second line's (`Basic x="y`, then `Bearer z`).
    if (UNTERMINATED.test(outsideQuotes)) return 'malformed';
    return SECOND_CREDENTIAL.test(outsideQuotes) ? 'malformed' : 'other-scheme';
  }
  if (rest === undefined) return 'malformed';
  return rest.length <= max && B64TOKEN.test(rest) ? 'bearer' : 'malformed';
}

// --- Arbitraries -----------------------------------------------------------------------------

const B64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/';
const b64token = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...B64_CHARS), minLength: 1, maxLength: 80 }),
    fc.string({ unit: fc.constant('='), maxLength: 3 }),
  )
  .map(([body, pad]) => body + pad);

/** Strings of any kind: full Unicode (lone surrogates excluded), ASCII with controls, and huge ones. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('a', ' ', '\t', ',', '"', '\\', '=', 'é', '\r', '\n', '\u0000'), maxLength: 30 }),
  fc
    .tuple(fc.integer({ min: 1000, max: 5000 }), fc.constantFrom('a', ' ', '=', ',', '\u00ff'))
    .map(([n, c]) => c.repeat(n)),
);

const scheme = fc.oneof(
  fc.constantFrom(
    'Bearer',
    'bearer',
    'BEARER',
    'bEaReR',
    'Basic',
    'Digest',
    'Negotiate',
    'Bearer2',
    'Bear',
    'Bearer=',
    '',
  ),
  fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,10}$/),
);
const ows = fc.constantFrom('', ' ', '\t', '  ', ' \t');
const separator = fc.constantFrom('', ' ', '   ', '\t', ',', ', ', ' ,', '\r\n');
const credentials = fc.oneof(
  b64token,
  anyString,
  fc
    .tuple(b64token, fc.constantFrom(', ', ',', ' ', ', Bearer ', ', Basic ', ', realm=', ', a = '), b64token)
    .map((p) => p.join('')),
  fc.tuple(b64token, b64token).map(([a, b]) => `username="${a}, Bearer ${b}", realm="x"`),
  fc.tuple(b64token, fc.constantFrom('"', '\\"', '\\'), b64token).map((p) => `a="${p.join('')}, Basic b`),
  fc
    .array(fc.constantFrom('a', '=', ' ', '"', '\\', ',', 'x="y"', '""'), { maxLength: 12 })
    .map((parts) => parts.join('')),
);

/** Authorization field values shaped like real ones, and broken in the ways that matter. */
const fieldValue = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(ows, scheme, separator, credentials, ows).map((p) => p.join('')) },
  { weight: 1, arbitrary: anyString },
);

const max = fc.integer({ min: 1, max: 2048 });
const KINDS = ['none', 'other-scheme', 'malformed', 'bearer'];

function checkShape(result: CredentialResult): void {
  expect(KINDS).toContain(result.kind);
  if (result.kind === 'bearer') {
    expect(typeof result.credential).toBe('string');
    expect(typeof result.fromQuery).toBe('boolean');
  }
}

describe('readCredential over arbitrary input', () => {
  test.prop([fieldValue, max], { numRuns: 10_000 })(
    'one field: never throws, returns one of the four kinds, and agrees with the regex model',
    (value, maxCredentialBytes) => {
      const result = readCredential([value], null, { maxCredentialBytes });
      checkShape(result);
      expect(result.kind).toBe(model([value], null, maxCredentialBytes));
    },
  );

  test.prop([anyString], { numRuns: 5_000 })('a field of raw arbitrary text agrees with the model at 1024', (value) => {
    const result = readCredential([value], null, { maxCredentialBytes: 1024 });
    checkShape(result);
    expect(result.kind).toBe(model([value], null, 1024));
  });

  const headerName = fc.constantFrom(
    'authorization',
    'Authorization',
    'AUTHORIZATION',
    'host',
    'x-token',
    'authorizatioN',
  );
  const headerValue = fc.oneof(
    fc.constant(undefined),
    fieldValue,
    fc.array(fieldValue, { minLength: 0, maxLength: 3 }),
  );
  const headerSet = fc.dictionary(headerName, headerValue, { maxKeys: 4 });
  const query = fc.option(fc.array(fc.oneof(b64token, anyString), { maxLength: 3 }), { nil: null });

  test.prop([headerSet, query, max], { numRuns: 5_000 })(
    'header sets (records with arrays of 0–3 values) and query tokens: never throw, and agree with the model',
    (headers, tokens, maxCredentialBytes) => {
      const lines = authorizationValues(headers);
      const expectedLines = Object.entries(headers)
        .filter(([name]) => name.toLowerCase() === 'authorization')
        .flatMap(([, v]) => (v === undefined ? [] : typeof v === 'string' ? [v] : v));
      expect(lines).toEqual(expectedLines);
      const result = readCredential(lines, tokens, { maxCredentialBytes });
      checkShape(result);
      expect(result.kind).toBe(model(lines, tokens, maxCredentialBytes));
      if (result.kind === 'bearer') expect(result.fromQuery).toBe(lines.length === 0);
    },
  );
});

describe('readCredential: the laws of SPEC §8', () => {
  test.prop(
    [
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'BeArEr'),
      fc.integer({ min: 1, max: 5 }),
      b64token,
      fc.integer({ min: 0, max: 100 }),
    ],
    { numRuns: 3_000 },
  )('`Bearer +<b64token>` within the limit is that exact credential', (name, spaces, token, slack) => {
    const value = `${name}${' '.repeat(spaces)}${token}`;
    expect(readCredential([value], null, { maxCredentialBytes: token.length + slack })).toEqual({
      kind: 'bearer',
      credential: token,
      fromQuery: false,
    });
  });

  test.prop([b64token, fc.integer({ min: 1, max: 80 })], { numRuns: 2_000 })(
    'a b64token one byte over the limit is malformed, exactly at the limit it passes',
    (token, over) => {
      const limit = Math.max(1, token.length - over);
      if (limit < token.length)
        expect(readCredential([`Bearer ${token}`], null, { maxCredentialBytes: limit }).kind).toBe('malformed');
      expect(readCredential([`Bearer ${token}`], null, { maxCredentialBytes: token.length }).kind).toBe('bearer');
    },
  );

  const outsideAlphabet = fc
    .string({ unit: 'binary', minLength: 1, maxLength: 1 })
    .filter((c) => !/^[A-Za-z0-9._~+/=-]$/.test(c));

  test.prop([b64token, outsideAlphabet, b64token], { numRuns: 3_000 })(
    'any character outside the b64token alphabet inside the credential makes it malformed',
    (before, bad, after) => {
      // `before` never ends in `=` here, so `=` is also tested as a padding that is not at the end.
      const value = `Bearer ${before.replace(/=+$/, '')}${bad}${after}`;
      expect(readCredential([value], null, { maxCredentialBytes: 4096 }).kind).toBe('malformed');
      expect(readCredential([], [`${before}${bad}${after}`], { maxCredentialBytes: 4096 }).kind).toBe('malformed');
    },
  );

  test.prop([fc.array(fc.oneof(b64token, anyString), { minLength: 2, maxLength: 3 })], { numRuns: 2_000 })(
    'two or more field lines, or a field and a query token, are malformed whatever they hold',
    (lines) => {
      const options = { maxCredentialBytes: 1024 };
      expect(readCredential(lines, null, options).kind).toBe('malformed');
      expect(readCredential([lines[0]!], [lines[1]!], options).kind).toBe('malformed');
      expect(readCredential([], lines, options).kind).toBe('malformed');
    },
  );

  // Lines as clients send them: a scheme, a space, and credentials (no quotes, which a Web
  // Headers would not alter either way), or an empty line, or a bare scheme (issue 11, item 13:
  // Hono answered 401 where Express answered 400). Then a Headers and a rawHeaders-style record agree.
  const schemes = fc.constantFrom('Bearer', 'bearer', 'Basic', 'Negotiate', 'Digest', 'DPoP');
  const line = fc.oneof(
    fc
      .tuple(
        schemes,
        fc.oneof(
          b64token,
          fc.tuple(b64token, b64token).map(([a, b]) => `a=${a}, b=${b}`),
        ),
      )
      .map(([s, c]) => `${s} ${c}`),
    fc.constant(''),
    schemes,
  );

  test.prop([fc.array(line, { maxLength: 3 })], { numRuns: 2_000 })(
    'a Web Headers (repeated fields joined with ", ") and a record with an array give the same kind',
    (lines) => {
      const web = new Headers(lines.map((l) => ['Authorization', l] as [string, string]));
      const options = { maxCredentialBytes: 1024 };
      const fromWeb = readCredential(authorizationValues(web), null, options);
      const fromRecord = readCredential(authorizationValues({ authorization: lines }), null, options);
      expect(fromWeb).toEqual(fromRecord);
    },
  );
});

describe('queryTokens over arbitrary URLs', () => {
  const url = fc.oneof(
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc
      .tuple(
        fc.webPath(),
        fc.array(
          fc.tuple(
            fc.constantFrom('access_token', 'access%5Ftoken', 'x', 'access_token%00'),
            fc.oneof(b64token, anyString),
          ),
          { maxLength: 3 },
        ),
      )
      .map(([path, params]) => `${path}?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`),
    fc.tuple(fc.webPath(), fc.webFragments(), b64token).map(([path, frag, t]) => `${path}#${frag}?access_token=${t}`),
    anyString,
  );

  test.prop([url], { numRuns: 3_000 })('never throws and returns exactly what URLSearchParams decodes', (u) => {
    // The query is what lies between the first `?` and the first `#`, if the `?` comes first.
    const q = u.indexOf('?');
    const hash = u.indexOf('#');
    const expected =
      q === -1 || (hash !== -1 && hash < q)
        ? []
        : new URLSearchParams(u.slice(q + 1, hash === -1 ? undefined : hash)).getAll('access_token');
    expect(queryTokens(u)).toEqual(expected);
    checkShape(readCredential([], queryTokens(u), { maxCredentialBytes: 1024 }));
  });

  test.prop([b64token], { numRuns: 1_000 })('a percent-encoded b64token comes back as itself', (token) => {
    expect(
      readCredential([], queryTokens(`/x?access_token=${encodeURIComponent(token)}`), { maxCredentialBytes: 1024 }),
    ).toEqual({
      kind: 'bearer',
      credential: token,
      fromQuery: true,
    });
  });
});
