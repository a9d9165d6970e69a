/**
 * docs/http.md, checked against what keycard answers (a docs truth audit): the `settingsUrl` row of
 * "Options that change what is accepted" quotes both texts a 401 without credentials carries. The
 * page said the problem `detail` read `Create a token at <url>`; it reads `Missing bearer token;
 * create one at <url>` (SPEC §16; the golden bytes in docs/mcp.md). Real Express on 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { createKeycard } from '../src/index.ts';
import { expressGuard } from '../src/adapters/express.ts';
import { toadoScopes } from './helpers.ts';
import { listen } from './seeds-fixture.ts';

const page = readFileSync(new URL('../docs/http.md', import.meta.url), 'utf8');
const row = (option: string) => page.split('\n').find((l) => l.startsWith(`| \`${option}\` |`)) ?? '';

describe('docs/http.md "Options that change what is accepted": settingsUrl', () => {
  it('the row quotes the challenge and the detail a 401 without credentials carries, over a real server', async () => {
    const url = 'https://app.example.com/settings/tokens';
    const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), settingsUrl: url });
    const app = express();
    app.get('/tickets', expressGuard(keycard)(), (_req, res) => void res.json({}));
    const { base, close } = await listen(app);
    try {
      for (const headers of [{}, { authorization: 'Basic dTpw' }] as Record<string, string>[]) {
        const res = await fetch(`${base}/tickets`, { headers });
        expect(res.status).toBe(401);
        const challenge = res.headers.get('www-authenticate')!;
        const { detail, code } = (await res.json()) as { detail: string; code: string };
        expect(code).toBe('missing_token');
        expect(challenge).toBe(`Bearer realm="api", error_description="Create a token at ${url}"`);
        const said = row('settingsUrl').replaceAll('<url>', url);
        expect(said).toContain(`error_description="Create a token at ${url}"`);
        expect(said).toContain(`\`${detail}\``);
      }
    } finally {
      await close();
      await keycard.close();
    }
  });
});
