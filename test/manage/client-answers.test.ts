/**
 * keycard/client on answers the management API never gives but a deployment can (a login page
 * answered 200, a proxy's page, another server's JSON): every method rejects with a
 * ManagementError whose message and field errors are text, never resolves with null.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createManagementClient, ManagementError } from '../../src/client/index.ts';

/** A real Hono app answering every request with `status`, `type` and `body`. */
function clientAnswering(status: number, type: string, body: string) {
  const app = new Hono();
  app.all('*', () => new Response(body || null, { status, headers: { 'Content-Type': type } }));
  return createManagementClient({
    baseUrl: 'http://app.test/api/tokens',
    fetch: (input, init) => Promise.resolve(app.request(input, init)),
  });
}

const failure = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ resolved: value }),
    (e: unknown) =>
      e instanceof ManagementError
        ? { code: e.code, status: e.status, message: e.message, errors: e.errors }
        : { thrown: String(e) },
  );

describe('keycard/client: answers of another shape', () => {
  it.each([
    ['a login page answered 200', 200, 'text/html', '<!doctype html><form>Sign in</form>'],
    ['an empty 200', 200, 'application/json', ''],
    ['JSON null', 200, 'application/json', 'null'],
    ['a JSON string', 200, 'application/json', '"ok"'],
  ])('%s: rejects with invalid_response', async (_, status, type, body) => {
    const api = clientAnswering(status, type, body);
    for (const call of [api.list(), api.scopes(), api.revoke('tok_1'), api.activity('tok_1')])
      expect(await failure(call)).toEqual({
        code: 'invalid_response',
        status,
        message: `HTTP ${status} without a JSON answer`,
        errors: [],
      });
  });

  it('a problem whose detail or errors are not text: the message falls back to the status, bad field errors are dropped', async () => {
    const body = JSON.stringify({
      code: 'invalid_request',
      status: 400,
      detail: { nested: true },
      errors: [{ field: 'label', message: 'is required' }, 5, null, { field: 1 }],
    });
    expect(
      await failure(clientAnswering(400, 'application/problem+json', body).create({ label: '', scopes: [] })),
    ).toEqual({
      code: 'invalid_request',
      status: 400,
      message: 'HTTP 400',
      errors: [{ field: 'label', message: 'is required' }],
    });
    const notAList = JSON.stringify({ code: 'invalid_request', status: 400, detail: 'Bad', errors: 'label' });
    expect(await failure(clientAnswering(400, 'application/problem+json', notAList).list())).toEqual({
      code: 'invalid_request',
      status: 400,
      message: 'Bad',
      errors: [],
    });
  });
});
