/**
 * The device routes' OAuth errors to the letter of RFC 6749 §5.2 (which RFC 8628 §3.5 extends):
 * "Values for the "error_description" parameter MUST NOT include characters outside the set
 * %x20-21 / %x23-5B / %x5D-7E." So no `"`, no `\`, no control and no non-ASCII character, also
 * where the description quotes what the program sent (an unknown scope, an undeclared resource
 * type). Through a real Express server on 127.0.0.1 (the device routes inside the management
 * handler, mounted as docs/management.md mounts it), and a property over the Web handler.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeycard, createManagementHandler, defineScopes } from '../src/index.ts';
import { createDeviceRoutes } from '../src/device/index.ts';
import { listenAll } from './manage/servers.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

const ALLOWED = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const keycard = () =>
  createKeycard({ prefix: 'toado', resources: ['company', 'project'], scopes: defineScopes({ read: {} }) });
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('error_description stays within %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §5.2)', () => {
  it('through real Express: an undeclared resource type, an unknown scope with quotes, backslashes and accents', async () => {
    const handler = createManagementHandler(keycard(), { basePath: '/api/tokens', authorize: () => null });
    const { origins, close } = await listenAll(handler);
    closers.push(close);
    const asks = {
      'undeclared resource type': 'client_id=cli&scope=read&restrictions=' + encodeURIComponent('{"team":["t1"]}'),
      'unknown scope': 'client_id=cli&scope=' + encodeURIComponent('tickets:"write"\\ é'),
      'long unknown scope': 'client_id=cli&scope=' + 'x'.repeat(300),
    };
    for (const [name, body] of Object.entries(asks)) {
      const res = await fetch(`${origins[0]}/api/tokens/device/code`, { method: 'POST', headers: FORM, body });
      const answer = (await res.json()) as { error: string; error_description: string };
      expect([name, res.status]).toEqual([name, 400]);
      expect([name, answer.error_description]).toEqual([name, expect.stringMatching(ALLOWED)]);
    }
  });

  it('says what was wrong all the same: the type and the scope are named', async () => {
    const device = createDeviceRoutes(keycard(), { basePath: '/cli', authorize: () => null });
    const send = async (body: string) =>
      (await (await device(
        new Request('https://app.example/cli/device/code', { method: 'POST', headers: FORM, body }),
      ))!.json()) as { error_description: string };
    const team = await send('client_id=cli&scope=read&restrictions=' + encodeURIComponent('{"team":["t1"]}'));
    expect(team.error_description).toBe(
      "restrictions name unknown resource type 'team'; the hierarchy declares company, project",
    );
    const scope = await send('client_id=cli&scope=' + encodeURIComponent('a"b'));
    expect(scope.error_description).toBe("Unknown scope: a'b");
  });

  it('law: for any scope and restrictions a program sends, every error_description is in the set', async () => {
    const device = createDeviceRoutes(keycard(), { basePath: '/cli', authorize: () => null });
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.option(fc.oneof(fc.json(), fc.dictionary(fc.string({ unit: 'binary' }), fc.array(fc.string()))), {
          nil: undefined,
        }),
        async (scope, restrictions) => {
          const params = new URLSearchParams({ client_id: 'cli', scope });
          if (restrictions !== undefined)
            params.set('restrictions', typeof restrictions === 'string' ? restrictions : JSON.stringify(restrictions));
          const res = (await device(
            new Request('https://app.example/cli/device/code', {
              method: 'POST',
              headers: FORM,
              body: params.toString(),
            }),
          ))!;
          const answer = (await res.json()) as { error_description?: string };
          if (res.status !== 200) expect(answer.error_description).toMatch(ALLOWED);
        },
      ),
      { numRuns: 250 },
    );
  });
});
