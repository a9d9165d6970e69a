/**
 * Work that outlives the response on Cloudflare Workers: workerd cancels what a request left
 * running once its response is sent, unless it was handed to `ctx.waitUntil`. An audit sink
 * that answers with a promise (here one that waits 30 ms, as a write to a queue or a log service
 * would) loses the request's event without it, and keeps it with `ctx.waitUntil(keycard.flush())`
 * (docs/runtimes.md). Bundled from the sources with Wrangler's conditions, served by workerd
 * through miniflare.
 */
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;

const WORKER = `
import { createKeycard, defineScopes } from 'keycard';
const landed = [];
const errors = [];
const keycard = createKeycard({
  prefix: 'acme',
  scopes: defineScopes({ read: {} }),
  onError: (e) => errors.push(e.message),
  audit: { write: async (event) => { await new Promise((r) => setTimeout(r, 30)); landed.push(event.type + ':' + (event.reason ?? event.count ?? '')); } },
});
let token;
export default {
  async fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (pathname === '/setup') { token = (await keycard.issue({ label: 'w', ownerId: 'u', scopes: ['read'] })).token; landed.length = 0; errors.length = 0; return new Response('ok'); }
    if (pathname === '/landed') return Response.json(landed);
    if (pathname === '/errors') return Response.json(errors);
    const auth = await keycard.authenticate(new Request(request.url, pathname.endsWith('/anonymous') ? {} : { headers: { authorization: 'Bearer ' + token } }), { scope: 'read' });
    if (pathname.startsWith('/flushed')) ctx.waitUntil(keycard.flush());
    return new Response(null, { status: auth.ok ? 204 : auth.status });
  },
};`;

let mf: Miniflare;
beforeAll(async () => {
  const out = await build({
    stdin: { contents: WORKER, resolveDir: root, sourcefile: 'worker.js', loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: ['keycard-source', 'workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    alias: { keycard: './src/index.ts' },
    logLevel: 'silent',
  });
  mf = new Miniflare({ modules: true, script: out.outputFiles[0]!.text, compatibilityDate: '2025-01-01' });
}, 120_000);
afterAll(() => mf?.dispose());

const B = 'http://127.0.0.1';
const landed = async () => (await (await mf.dispatchFetch(`${B}/landed`)).json()) as string[];
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
/** What has landed once `count` events have, or after 5 s. */
const landedOnce = async (count: number) => {
  for (let i = 0; i < 50; i++) {
    const now = await landed();
    if (now.length >= count) return now;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return landed();
};

describe('Cloudflare Workers: ctx.waitUntil(keycard.flush())', () => {
  it('without it the request event of an async sink is lost; with it, it lands, and delivery does not stay stuck', async () => {
    expect((await mf.dispatchFetch(`${B}/setup`)).status).toBe(200);
    expect((await mf.dispatchFetch(`${B}/plain`)).status).toBe(204);
    await settle();
    expect(await landed()).toEqual([]); // workerd cancelled the write when the response went out
    // The cancelled write's own timeout never runs either: before, every later event queued behind
    // it for the isolate's life. Now the next flush waits it out (timeoutMs) and delivers on.
    expect((await mf.dispatchFetch(`${B}/flushed`)).status).toBe(204);
    expect(await landedOnce(1)).toEqual(['request.allowed:']);
    expect((await mf.dispatchFetch(`${B}/flushed`)).status).toBe(204);
    expect(await landedOnce(2)).toEqual(['request.allowed:', 'request.allowed:']);
  }, 60_000);

  it("a coalesced denial lands when its second ends, within the request's waitUntil", async () => {
    expect((await mf.dispatchFetch(`${B}/setup`)).status).toBe(200);
    expect((await mf.dispatchFetch(`${B}/flushed/anonymous`)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await landed()).toEqual(['request.denied:missing_token']);
  }, 60_000);

  it('twenty requests at once, each handing flush() to waitUntil: every event lands, nothing stalls', async () => {
    // Each write must be begun by a request still waiting for it: a write begun by the end of
    // another request's write belonged to that request and was cut off with it (review, 14-17 of 20).
    expect((await mf.dispatchFetch(`${B}/setup`)).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => mf.dispatchFetch(`${B}/flushed/${i}`)));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(204));
    expect(await landedOnce(20)).toEqual(Array(20).fill('request.allowed:'));
    await settle();
    expect(await landed()).toHaveLength(20);
    expect(await (await mf.dispatchFetch(`${B}/errors`)).json()).toEqual([]);
  }, 60_000);
});
