#!/usr/bin/env node
// `toado`: a small CLI for the tickets API, the way an integrator would write one with keycard/cli.
//   node cli.js login     browser login (device flow); saves the token to ~/.config/toado/env (0600)
//   node cli.js whoami    who the saved token acts for, with which scopes
//   node cli.js tickets   the tickets it may read
//   node cli.js logout    revokes the token, then deletes the file
// Token: --token <t>, else $TOADO_API_TOKEN, else the file. Server: --url, $TOADO_API_URL, the file, http://127.0.0.1:3000.
// No redirect is followed; an answer must come within $TOADO_TIMEOUT_MS (30000).
import { deviceLogin, readCredentials, removeCredentials, resolveToken, writeCredentials } from 'keycard/cli';

const APP = 'toado';
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
// The server's words as a terminal may show them: a control character (ESC ] 52 writes the
// clipboard, ESC [ 2J clears the screen, CR rewrites the line), a line or paragraph separator, or
// an invisible format character (a bidi override or mark, U+FEFF, a tag character) becomes U+FFFD.
// ZWNJ and ZWJ stay: they only join or part letters (Persian, Indic scripts, emoji).
const shown = (text) => String(text).replace(/(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u2065]/gu, '\ufffd');
const fail = (message) => {
  console.error(`toado: ${shown(message)}`);
  process.exit(1);
};
const baseUrl = async () =>
  flag('url') ??
  process.env.TOADO_API_URL ??
  (await readCredentials(APP).catch(() => null))?.url ??
  'http://127.0.0.1:3000';

// Like keycard/client: no redirect followed (a 307 elsewhere would take the bearer token, or hand
// back another server's answer as the API's), and the answer read within TOADO_TIMEOUT_MS (30 s).
async function request(url, init) {
  const wait = process.env.TOADO_TIMEOUT_MS ?? '30000';
  if (!/^[1-9]\d{0,8}$/.test(wait)) throw new Error('TOADO_TIMEOUT_MS must be a whole number of ms from 1');
  const signal = AbortSignal.timeout(Number(wait));
  const { origin } = new URL(url);
  try {
    const res = await fetch(url, { ...init, redirect: 'manual', signal });
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      const to = URL.parse(res.headers.get('location') ?? '', url);
      // Its origin and path only: the query may hold a login flow's state.
      const where = res.headers.has('location') && to ? ` to ${to.origin}${to.pathname}` : '';
      throw new Error(
        `the server answered ${res.status}, a redirect${where}, not followed (--url must be the API's own URL)`,
      );
    }
    return { status: res.status, ok: res.ok, text: await res.text() };
  } catch (error) {
    if (signal.aborted) throw new Error(`${origin} did not answer within ${wait} ms`);
    const code = error?.cause?.code;
    throw typeof code === 'string' ? new Error(`could not reach ${origin} (${code})`) : error;
  }
}

async function api(path, init = {}) {
  const found = await resolveToken(APP, { flag: flag('token') });
  if (!found) fail('not logged in: run `toado login`, or set TOADO_API_TOKEN');
  const url = flag('url') ?? found.url ?? (await baseUrl());
  const res = await request(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${found.token}`, ...init.headers },
  });
  if (res.status === 401) {
    let code;
    try {
      code = JSON.parse(res.text).code;
    } catch {}
    const why = code === 'token_revoked' ? 'was revoked' : code === 'token_expired' ? 'has expired' : 'is not valid';
    fail(
      `your token ${why} (${code ?? res.status}); run \`toado login\` again${found.source === 'file' ? '' : ` (it came from ${found.source === 'env' ? 'TOADO_API_TOKEN' : '--token'})`}`,
    );
  }
  if (!res.ok) fail(`${res.status} ${res.text.slice(0, 300)}`);
  return res.status === 204 ? null : JSON.parse(res.text);
}

const commands = {
  async login() {
    const url = await baseUrl();
    const { token, tokenId, scopes, expiresAt } = await deviceLogin({
      url: `${url}/api/tokens`,
      clientId: 'toado-cli',
      scopes: ['read', 'comments', 'tickets:write'],
    });
    const file = await writeCredentials(APP, { token, url, tokenId }, { revokeAt: `${url}/settings/tokens` });
    console.log(
      `Logged in. Scopes: ${scopes.join(', ')}; expires ${expiresAt ? new Date(expiresAt).toISOString().slice(0, 10) : 'never'}.`,
    );
    console.log(`Token saved to ${file} (mode 0600). \`toado logout\` revokes it.`);
  },
  async whoami() {
    const me = await api('/api/v1/whoami');
    console.log(shown(`${me.ownerId} via "${me.label}" (${me.tokenId}); scopes: ${me.scopes.join(', ')}`));
  },
  async tickets() {
    const { tickets } = await api('/api/v1/tickets');
    for (const t of tickets) console.log(shown(`${t.id}  ${t.title}`));
  },
  async logout() {
    const removed = await removeCredentials(APP, {
      revoke: async ({ token, url }) => {
        const res = await request(`${url ?? (await baseUrl())}/api/v1/token/revoke`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        });
        // Already revoked or expired is fine: the file can go. Anything else keeps it.
        if (!res.ok && res.status !== 401)
          throw new Error(`the server refused to revoke the token (${res.status}); the file was kept`);
      },
    });
    console.log(removed ? 'Logged out: the token is revoked and the file deleted.' : 'Not logged in.');
  },
};

const command = commands[args[0]];
if (!command) fail(`usage: toado <${Object.keys(commands).join('|')}> [--url <api>] [--token <token>]`);
try {
  await command();
} catch (error) {
  fail(error?.code ? `${error.message} (${error.code})` : (error?.message ?? String(error)));
}
