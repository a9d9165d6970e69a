/**
 * keycard/client, what review3 found past client-hostile.test.ts (real node:http servers on
 * 127.0.0.1, node's fetch, a real node process): a header changed after creation to a value fetch
 * cannot send made fetch's TypeError, quoting the bearer token, the `cause` of an `unavailable`
 * "Could not reach"; a redirect's message did not say where it pointed (a proxy's 308 to https, a
 * moved API); a `fetch` option that drops `init` followed the redirect and its answer was taken;
 * and the deadline's timer must not keep a short-lived CLI process alive.
 */
import { execFile } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createManagementClient, ManagementError } from '../../src/client/index.ts';
import { serve } from './real-servers.ts';

const okList = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"data":[],"nextCursor":null}');
};

/** Everything an error carries that may be logged: message, stack, and the cause chain's. */
function everything(e: unknown): string {
  const parts: string[] = [];
  for (let x: unknown = e, depth = 0; x !== undefined && x !== null && depth < 5; depth++) {
    parts.push(String(x), (x as Error).stack ?? '', JSON.stringify(x) ?? '');
    x = (x as Error).cause;
  }
  return parts.join('\n');
}

describe('keycard/client: headers changed after creation', () => {
  for (const [what, value] of [
    ['a line break', 'Bearer toado_sk_S3cretMutated\nX-Evil: 1'],
    ['a NUL', 'Bearer toado_sk_S3cret\u0000Mutated'],
  ] as const)
    it(`a value holding ${what}: invalid_config naming the header; neither message nor cause quotes it`, async () => {
      const heard: string[] = [];
      const origin = await serve((req, res) => {
        heard.push(req.url ?? '');
        okList(req, res);
      });
      const headers: Record<string, string> = { Authorization: 'Bearer toado_sk_first' };
      const api = createManagementClient({ baseUrl: `${origin}/api/tokens`, headers });
      headers['Authorization'] = value;
      const e = await api.list().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ManagementError);
      const { code, status, message } = e as ManagementError;
      expect([code, status]).toEqual(['invalid_config', 0]);
      expect(message).toBe(
        'headers.Authorization: must be text a header can carry (no line break, NUL or character past Latin-1)',
      );
      expect(everything(e)).not.toContain('S3cret');
      expect(heard).toEqual([]);
    });
});

/** How `list()` fails against a server answering every request `status` with `location`. */
async function listRedirected(status: number, location: (url: string) => string): Promise<unknown> {
  const origin = await serve((req, res) => {
    res.writeHead(status, { location: location(req.url ?? '') });
    res.end();
  });
  return createManagementClient({ baseUrl: `${origin}/api/tokens` })
    .list()
    .catch((x: unknown) => x);
}

describe('keycard/client: a redirect says where it pointed', () => {
  it('a proxy answering 308 to https: the message names the target origin and path, never its query', async () => {
    const e = await listRedirected(308, (url) => `https://app.example${url}?next=S3cret`);
    expect(e).toMatchObject({
      code: 'invalid_response',
      status: 308,
      message:
        "HTTP 308: a redirect to https://app.example/api/tokens/tokens, not followed (baseUrl must be the API's own URL)",
    });
    expect(everything(e)).not.toContain('S3cret');
  });

  it('a Location that is not an http(s) URL is not quoted', async () => {
    const e = await listRedirected(302, () => 'javascript:alert(1)');
    expect(e).toMatchObject({
      code: 'invalid_response',
      message: "HTTP 302: a redirect, not followed (baseUrl must be the API's own URL)",
    });
  });

  it('a fetch option that drops init (so follows the redirect): the other origin’s answer is not taken', async () => {
    const other = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data":[{"id":"tok_other"}],"nextCursor":null}');
    });
    const origin = await serve((req, res) => {
      res.writeHead(302, { location: `${other}${req.url}` });
      res.end();
    });
    const api = createManagementClient({
      baseUrl: `${origin}/api/tokens`,
      fetch: (url, init) => fetch(url, { method: init.method, headers: init.headers }),
    });
    const outcome = await api.list().then(
      (v) => ({ resolved: v }),
      (x: unknown) => x,
    );
    expect(outcome).toBeInstanceOf(ManagementError);
    expect(outcome).toMatchObject({
      code: 'invalid_response',
      status: 200,
      message: "HTTP 200 after a redirect the fetch option followed (pass its init on: it holds redirect: 'manual')",
    });
  });
});

describe('keycard/client: the deadline keeps no process alive', () => {
  it(
    'a CLI process calling the client with a 24-day timeoutMs exits by itself once answered',
    { timeout: 30_000 },
    async () => {
      const origin = await serve(okList);
      const script = `
      import { createManagementClient } from 'keycard/client';
      const api = createManagementClient({ baseUrl: '${origin}/api/tokens', timeoutMs: 2147483647 });
      console.log(JSON.stringify(await api.list()));
      await api.scopes();`;
      const root = path.resolve(import.meta.dirname, '../..');
      // A timer kept alive would hold the child for 24 days: execFile's kill is the bound, not a timing.
      const outcome = await new Promise<{ code: number | null; signal: string | null; stdout: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          ['--input-type=module', '-e', script],
          { cwd: root, timeout: 20_000 },
          (_e, stdout) => resolve({ code: child.exitCode, signal: child.signalCode, stdout }),
        );
      });
      expect(outcome).toEqual({ code: 0, signal: null, stdout: '{"data":[],"nextCursor":null}\n' });
    },
  );
});
