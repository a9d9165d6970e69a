import { fc, test as propTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { CONTRACT_ROWS, contractRow, expectProblem } from '../../test/contract-table.ts';
import { KeycardError, REQUEST_ERROR_CODES, type RequestErrorCode } from './errors.ts';
import {
  PROBLEM_CONTENT_TYPE,
  problem,
  QUOTA_EXCEEDED_TITLE,
  QUOTA_EXCEEDED_TYPE,
  statusOf,
  validateRealm,
  validateTypeBase,
  type ProblemDetail,
} from './http.ts';

/** The SPEC §8 example inputs that produce each golden row. */
const INPUTS: Record<RequestErrorCode, ProblemDetail> = {
  missing_token: { code: 'missing_token' },
  invalid_request: { code: 'invalid_request' },
  invalid_token: { code: 'invalid_token' },
  token_expired: { code: 'token_expired' },
  token_revoked: { code: 'token_revoked' },
  insufficient_scope: { code: 'insufficient_scope', missing: ['tickets:write'] },
  forbidden_resource: { code: 'forbidden_resource', type: 'project', id: 'p9' },
  rate_limited: { code: 'rate_limited', retryAfterSeconds: 17 },
  unavailable: { code: 'unavailable' },
};

function codeOf(e: unknown): string | undefined {
  return e instanceof KeycardError ? e.code : undefined;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('the contract table', () => {
  it('has one row per request error code, in the order of REQUEST_ERROR_CODES', () => {
    expect(CONTRACT_ROWS.map((r) => r.code)).toEqual([...REQUEST_ERROR_CODES]);
  });

  it('holds the SPEC statuses in table order', () => {
    expect(CONTRACT_ROWS.map((r) => r.status)).toEqual([401, 400, 401, 401, 401, 403, 403, 429, 503]);
  });

  it('golden bodies parse to the row and list the members type, title, status, detail, code', () => {
    for (const row of CONTRACT_ROWS) {
      const parsed = JSON.parse(row.body) as Record<string, unknown>;
      expect(Object.keys(parsed)).toEqual(['type', 'title', 'status', 'detail', 'code']);
      expect(parsed).toMatchObject({ status: row.status, detail: row.detail, code: row.code });
    }
  });
});

describe.each(CONTRACT_ROWS.map((row) => [row.code, row] as const))('problem(%s)', (code, row) => {
  const p = problem(INPUTS[code]);

  it('gives the status of the table', () => {
    expect(p.status).toBe(row.status);
    expect(statusOf(code)).toBe(row.status);
    expect(p.code).toBe(code);
  });

  it('gives exactly the contract headers, no more', () => {
    const expected: Record<string, string> = {
      'Content-Type': 'application/problem+json',
      'Cache-Control': 'no-store',
    };
    if (row.wwwAuthenticate !== null) expected['WWW-Authenticate'] = row.wwwAuthenticate;
    if (row.extraHeaders?.['retry-after'] !== undefined) expected['Retry-After'] = row.extraHeaders['retry-after'];
    expected['X-Content-Type-Options'] = 'nosniff';
    expect(p.headers).toEqual(expected);
  });

  it('gives the golden body bytes', () => {
    expect(p.body).toBe(row.body);
  });

  it('passes expectProblem with a plain record and with a Web Headers', () => {
    expectProblem({ status: p.status, headers: p.headers, body: p.body }, row, expect);
    expectProblem({ status: p.status, headers: new Headers(p.headers), body: p.body }, row, expect);
  });

  it('survives a real Response round trip byte for byte', async () => {
    const res = new Response(p.body, { status: p.status, headers: p.headers });
    expectProblem({ status: res.status, headers: res.headers, body: await res.text() }, row, expect);
  });
});

describe('expectProblem', () => {
  const row = contractRow('invalid_token');
  const good = problem({ code: 'invalid_token' });

  it('fails on a charset parameter, a wrong challenge, a missing Cache-Control or other bytes', () => {
    const bad = [
      { ...good, headers: { ...good.headers, 'Content-Type': 'application/problem+json; charset=utf-8' } },
      { ...good, headers: { ...good.headers, 'WWW-Authenticate': 'Bearer realm="api"' } },
      { ...good, headers: { 'Content-Type': 'application/problem+json', 'WWW-Authenticate': row.wwwAuthenticate! } },
      {
        ...good,
        body: '{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Invalid token","code":"invalid_token"}',
      },
      { ...good, body: `${good.body}\n` },
      { ...good, status: 400 },
    ];
    for (const actual of bad) expect(() => expectProblem(actual, row, expect)).toThrow();
  });

  it('fails when a row without a challenge gets one', () => {
    const p = problem({ code: 'unavailable' });
    const actual = { ...p, headers: { ...p.headers, 'www-authenticate': 'Bearer realm="api"' } };
    expect(() => expectProblem(actual, contractRow('unavailable'), expect)).toThrow();
  });

  it('wants no-store and private for a query token, in any order', () => {
    const headers = { ...good.headers, 'Cache-Control': 'private, no-store' };
    expectProblem({ ...good, headers }, row, expect, { fromQuery: true });
    expect(() => expectProblem({ ...good, headers }, row, expect)).toThrow();
    expect(() => expectProblem(good, row, expect, { fromQuery: true })).toThrow();
  });
});

describe('member order and escaping', () => {
  it('keeps the order type, title, status, detail, code for every code and option', () => {
    for (const code of REQUEST_ERROR_CODES) {
      for (const options of [undefined, { typeBase: 'https://docs.example.com/errors/' }]) {
        expect(Object.keys(JSON.parse(problem(INPUTS[code], options).body) as object)).toEqual([
          'type',
          'title',
          'status',
          'detail',
          'code',
        ]);
      }
    }
  });
});

describe('realm', () => {
  it('is used in every challenge and never touches the body', () => {
    for (const row of CONTRACT_ROWS) {
      const p = problem(INPUTS[row.code], { realm: 'tickets' });
      const expected = row.wwwAuthenticate?.replace('realm="api"', 'realm="tickets"');
      expect(p.headers['WWW-Authenticate']).toBe(expected);
      expect(p.body).toBe(row.body);
    }
  });

  it('explicit api is the default table', () => {
    expect(problem({ code: 'invalid_token' }, { realm: 'api' })).toBe(problem({ code: 'invalid_token' }));
  });

  it.each(['', 'a"b', 'a\\b', 'api\r\nSet-Cookie: x=1', 'tab\there', 'été', 'x'.repeat(257)])(
    'refuses %j with invalid_config, at validation and at use',
    (realm) => {
      expect(codeOf(thrown(() => validateRealm(realm)))).toBe('invalid_config');
      expect(codeOf(thrown(() => problem({ code: 'missing_token' }, { realm })))).toBe('invalid_config');
    },
  );

  it('accepts printable ASCII with spaces', () => {
    expect(validateRealm('Acme API v2 (prod)')).toBe('Acme API v2 (prod)');
    expect(problem({ code: 'missing_token' }, { realm: 'Acme API' }).headers['WWW-Authenticate']).toBe(
      'Bearer realm="Acme API"',
    );
  });
});

describe('typeBase', () => {
  const typeBase = 'https://docs.example.com/errors#';

  it('sets type to base + code and title to the status phrase for every denial, 429 included', () => {
    const titles: Record<number, string> = {
      400: 'Bad Request',
      401: 'Unauthorized',
      403: 'Forbidden',
      429: 'Too Many Requests',
      503: 'Service Unavailable',
    };
    for (const row of CONTRACT_ROWS) {
      const p = problem(INPUTS[row.code], { typeBase });
      expect(JSON.parse(p.body)).toEqual({
        type: `${typeBase}${row.code}`,
        title: titles[row.status],
        status: row.status,
        detail: row.detail,
        code: row.code,
      });
      expect(p.headers['WWW-Authenticate'] ?? null).toBe(row.wwwAuthenticate);
    }
  });

  it('without it, 429 uses the IANA quota-exceeded type and its registered title', () => {
    const body = JSON.parse(problem(INPUTS.rate_limited).body) as Record<string, unknown>;
    expect(body['type']).toBe(QUOTA_EXCEEDED_TYPE);
    expect(body['title']).toBe(QUOTA_EXCEEDED_TITLE);
  });

  it.each(['', '/errors/', 'errors#', 'https://x.example/a b', 'https://x.example/\n', 'not a uri'])(
    'refuses %j',
    (bad) => {
      expect(codeOf(thrown(() => validateTypeBase(bad)))).toBe('invalid_config');
      expect(codeOf(thrown(() => problem({ code: 'invalid_token' }, { typeBase: bad })))).toBe('invalid_config');
    },
  );

  it('accepts absolute URIs, urn included', () => {
    expect(validateTypeBase('urn:acme:errors:')).toBe('urn:acme:errors:');
    expect(validateTypeBase(typeBase)).toBe(typeBase);
  });
});

describe('sharing and freezing', () => {
  it('returns the same frozen object for a constant problem, with frozen headers', () => {
    const a = problem({ code: 'invalid_token' });
    const b = problem({ code: 'invalid_token' });
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.headers)).toBe(true);
    expect(() => {
      (a.headers as Record<string, string>)['Cache-Control'] = 'public';
    }).toThrow(TypeError);
    expect(problem({ code: 'invalid_token' }).headers['Cache-Control']).toBe('no-store');
  });

  it('shares per realm too', () => {
    expect(problem({ code: 'token_expired' }, { realm: 'r1' })).toBe(
      problem({ code: 'token_expired' }, { realm: 'r1' }),
    );
    expect(problem({ code: 'token_expired' }, { realm: 'r1' })).not.toBe(problem({ code: 'token_expired' }));
  });

  it('freezes the problems built per call', () => {
    const p = problem(INPUTS.insufficient_scope);
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.headers)).toBe(true);
  });
});

describe('dynamic details', () => {
  it('lists several missing scopes in the detail and the challenge', () => {
    const p = problem({ code: 'insufficient_scope', missing: ['tickets:write', 'comments'] });
    expect(p.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="tickets:write comments"',
    );
    expect(JSON.parse(p.body).detail).toBe('Token missing scope: tickets:write, comments');
  });

  it('an empty missing list drops the scope attribute rather than sending scope=""', () => {
    const p = problem({ code: 'insufficient_scope', missing: [] });
    expect(p.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="insufficient_scope"');
    expect(JSON.parse(p.body).detail).toBe('Token missing scope');
  });

  it.each([
    [17, '17'],
    [1, '1'],
    [16.01, '17'],
    [0, '1'],
    [0.2, '1'],
    [-5, '1'],
    [Number.NaN, '1'],
    [Number.POSITIVE_INFINITY, '2147483647'],
  ])('retryAfterSeconds %d gives Retry-After %s and the same number in the detail', (seconds, header) => {
    const p = problem({ code: 'rate_limited', retryAfterSeconds: seconds });
    expect(p.headers['Retry-After']).toBe(header);
    expect(JSON.parse(p.body).detail).toBe(`Rate limit exceeded; retry after ${header} seconds`);
  });

  it('keeps "seconds" for one second (a stable text; Retry-After is the machine value)', () => {
    expect(JSON.parse(problem({ code: 'rate_limited', retryAfterSeconds: 1 }).body).detail).toBe(
      'Rate limit exceeded; retry after 1 seconds',
    );
  });

  it('names the resource type and id', () => {
    const p = problem({ code: 'forbidden_resource', type: 'company', id: 'c2' });
    expect(JSON.parse(p.body).detail).toBe('Token not allowed for company c2');
    expect(p.headers).toEqual({
      'Content-Type': PROBLEM_CONTENT_TYPE,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
  });
});

describe('hostile values', () => {
  it('a scope name that is not an RFC 6749 scope-token is left out of the scope attribute, never escaped or cut', () => {
    // RFC 6750 §3: the scope attribute holds only %x21 / %x23-5B / %x5D-7E and spaces between
    // names, so `"` and `\` may not travel even as quoted-pairs; stripping characters (or cutting)
    // would name another scope. The detail still says what was missing.
    const p = problem({
      code: 'insufficient_scope',
      missing: [
        'x\r\nSet-Cookie: s=1',
        'a"b',
        'tickets:write',
        'c\\d',
        'two words',
        'é\u0000',
        'x'.repeat(129),
        'read',
      ],
    });
    const challenge = p.headers['WWW-Authenticate']!;
    expect(challenge).toBe('Bearer realm="api", error="insufficient_scope", scope="tickets:write read"');
    expect(() => new Headers(p.headers)).not.toThrow();
    expect(JSON.parse(p.body).detail).toBe(
      `Token missing scope: xSet-Cookie: s=1, a"b, tickets:write, c\\d, two words, é, ${'x'.repeat(128)}…, read`,
    );
    const none = problem({ code: 'insufficient_scope', missing: ['a"b', 'c\\d'] });
    expect(none.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="insufficient_scope"');
  });

  it('a missing name that is not a string (untyped code) is read once, and left out of the scope attribute', () => {
    // A value whose text changes between reads must not pass as a scope-token and then be
    // written as another text (a CR/LF would start a header line).
    let reads = 0;
    const shifty = { toString: () => (reads++ === 1 ? 'read' : 'x"\r\nSet-Cookie: s=1') };
    const p = problem({ code: 'insufficient_scope', missing: [shifty, 5, 'write'] as unknown as string[] });
    expect(p.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="insufficient_scope", scope="write"');
    expect(() => new Headers(p.headers)).not.toThrow();
  });

  it('a resource id cannot break the JSON, inject a line or reorder the text', () => {
    const p = problem({ code: 'forbidden_resource', type: 'project', id: 'p9"}\r\nX-Evil: 1\u202e\u0007' });
    const body = JSON.parse(p.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['type', 'title', 'status', 'detail', 'code']);
    expect(body['detail']).toBe('Token not allowed for project p9"}X-Evil: 1');
    expect(body['code']).toBe('forbidden_resource');
    expect(p.body).not.toMatch(/[\r\n]/);
    expect(Object.keys(p.headers)).toEqual(['Content-Type', 'Cache-Control', 'X-Content-Type-Options']);
  });

  it('a huge id is cut, without splitting a surrogate pair', () => {
    const p = problem({ code: 'forbidden_resource', type: 'project', id: `${'a'.repeat(127)}😀${'b'.repeat(10_000)}` });
    const detail = (JSON.parse(p.body) as { detail: string }).detail;
    expect(detail).toBe(`Token not allowed for project ${'a'.repeat(127)}…`);
    expect(p.body.length).toBeLessThan(400);
  });

  const anyString = fc.string({ unit: 'binary', maxLength: 300 });

  const scopeName = fc.oneof(anyString, fc.stringMatching(/^[\x21-\x7e]{1,12}$/));

  propTest.prop([fc.array(scopeName, { maxLength: 4 }), anyString, anyString], { numRuns: 500 })(
    'for any scope names and resource ids, headers are valid and bodies parse with the same members',
    (missing, type, id) => {
      for (const p of [
        problem({ code: 'insufficient_scope', missing }),
        problem({ code: 'forbidden_resource', type, id }),
      ]) {
        for (const value of Object.values(p.headers)) expect(value).toMatch(/^[\x20-\x7e]*$/);
        expect(() => new Headers(p.headers)).not.toThrow();
        const body = JSON.parse(p.body) as Record<string, unknown>;
        expect(Object.keys(body)).toEqual(['type', 'title', 'status', 'detail', 'code']);
        expect(body['detail']).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
      }
      // RFC 6750 §3: the scope attribute is exactly the missing names that are scope-tokens (of at
      // most 128 characters, as a catalogue takes them), space-separated: no escape, no cut name.
      const challenge = problem({ code: 'insufficient_scope', missing }).headers['WWW-Authenticate']!;
      const tokens = missing.filter((name) => /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/.test(name));
      expect(challenge).toBe(
        `Bearer realm="api", error="insufficient_scope"${tokens.length ? `, scope="${tokens.join(' ')}"` : ''}`,
      );
    },
  );
});

describe('unknown codes', () => {
  it('statusOf and problem refuse a code outside the contract', () => {
    expect(codeOf(thrown(() => statusOf('teapot' as RequestErrorCode)))).toBe('invalid_argument');
    expect(codeOf(thrown(() => problem({ code: 'teapot' } as unknown as ProblemDetail)))).toBe('invalid_argument');
    expect(codeOf(thrown(() => problem({ code: 'toString' } as unknown as ProblemDetail)))).toBe('invalid_argument');
  });
});
