/**
 * The approval page and the device routes' other pages show what the program calls itself
 * (`client_id`) and the host it names, both self-reported. A CLI that sends a token (or anything
 * secret-looking) there must not get it shown to the approving person: the pages show the text
 * masked as the `device.*` audit events' label is (`redact`), never the secret raw, HTML-escaped
 * or percent-encoded. The program still polls with its own `client_id`, unmasked.
 */
import { describe, expect, it } from 'vitest';
import { deviceMaskingWorld, GRANT } from './device-masking-world.ts';

const world = deviceMaskingWorld;

/** Every `%XX` of `text`, so `_` is `%5F`: a percent-encoded form no `encodeURIComponent` writes. */
const percentAll = (text: string) =>
  [...text].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescapeHtml = (html: string) =>
  html.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)))
      : (ENTITIES[e.toLowerCase()] ?? whole),
  );
const percentDecode = (text: string) =>
  text.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });

/** The token appears nowhere in `html`: raw, HTML-escaped, percent-encoded, or behind entities. */
function expectNoSecret(html: string, token: string) {
  const readable = [html, unescapeHtml(html), percentDecode(html), percentDecode(unescapeHtml(html))];
  for (const text of readable) expect(text).not.toContain(token);
  for (const form of [encodeURIComponent(token), percentAll(token), token.replaceAll('_', '%5F')])
    expect(html.toLowerCase()).not.toContain(form.toLowerCase());
}

describe('a secret sent as client_id or host never reaches the approval pages', () => {
  it('the review page, the retry page and the approved page show it masked, as the audit label does; the poll still works', async () => {
    const w = await world();
    const cases = [
      { client: `ci ${w.token}`, host: 'laptop' },
      { client: w.token, host: `box ${w.token}` },
      { client: w.token.replaceAll('_', '%5F'), host: 'laptop' },
      { client: `<b>${w.token}</b>`, host: percentAll(w.token.slice(0, 30)) + w.token.slice(30) },
    ];
    for (const { client, host } of cases) {
      expect(client.length).toBeLessThanOrEqual(64);
      const started = await w.post('/code', { client_id: client, host, scope: 'read' });
      expect(started.status).toBe(200);
      const a = (await started.json()) as { device_code: string; user_code: string };
      const label = w.audit.events.findLast((e) => e.type === 'device.requested')!.label!;
      expect(label).toContain('[redacted]');
      expect(label).not.toContain(w.token);

      const review = await (await w.send(`?user_code=${a.user_code}`)).text();
      const retry = await w.post('/approve', { user_code: a.user_code, expires: '30d' }); // no scope ticked
      expect(retry.status).toBe(400);
      const done = await w.post('/approve', { user_code: a.user_code, scope: 'read', expires: '30d' });
      expect(done.status).toBe(200);
      for (const html of [review, await retry.text(), await done.text()]) {
        expectNoSecret(html, w.token);
        expect(html).toContain('[redacted]');
      }
      // What the page names is what the audit label names (escaped for HTML).
      const [shownClient] = label.split(' on ');
      expect(unescapeHtml(review)).toContain(shownClient!);

      const polled = await w.post('/token', { grant_type: GRANT, device_code: a.device_code, client_id: client });
      expect(polled.status).toBe(200);
    }
  });

  it('the denied page shows it masked too', async () => {
    const w = await world();
    const a = (await (await w.post('/code', { client_id: `ci ${w.token}`, host: 'laptop', scope: 'read' })).json()) as {
      user_code: string;
    };
    const denied = await w.post('/deny', { user_code: a.user_code });
    expect(denied.status).toBe(200);
    const html = await denied.text();
    expectNoSecret(html, w.token);
    expect(html).toContain('ci [redacted] on laptop');
  });

  it('an ordinary client_id and host are shown as sent (control)', async () => {
    const w = await world();
    const a = (await (
      await w.post('/code', { client_id: 'toado-cli', host: 'laptop.local', scope: 'read' })
    ).json()) as {
      user_code: string;
    };
    const review = await (await w.send(`?user_code=${a.user_code}`)).text();
    expect(review).toContain('<strong>toado-cli</strong> on <strong>laptop.local</strong>');
    expect(review).toContain('<title>Approve toado-cli?');
  });
});
