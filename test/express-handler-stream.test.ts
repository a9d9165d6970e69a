/**
 * `expressHandler` writes a `Response` body as it comes: an audit export (`exportAudit`'s NDJSON
 * stream, returned as a fetch handler's `Response`) reaches the client page by page, and a client
 * that hangs up cancels the body, so the export stops reading. Before, the whole body was read
 * into memory first (`response.arrayBuffer()`): nothing reached the client until the last page,
 * and a hang-up read on to the end. Real Express on 127.0.0.1, a real HTTP client; ordering only,
 * through gates the test holds (no timings). The answers the handler buffers keep their bytes and
 * `Content-Length` (test/manage/frameworks.test.ts).
 */
import type { IncomingMessage } from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { expressHandler } from '../src/adapters/express.ts';
import { send } from './express-serve.ts';
import { exportAudit, type ExportPager } from '../src/core/audit-export.ts';
import type { StoredAuditEvent } from '../src/core/audit-store.ts';

/** Serves `handler` on real Express at 127.0.0.1 and GETs `/export` there, answering the response. */
async function get(handler: (request: Request) => Promise<Response>): Promise<IncomingMessage> {
  const app = express();
  app.get('/export', expressHandler(handler));
  return send(app, '/export');
}

/** The next chunk the client receives. */
const nextChunk = (res: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    res.once('data', (chunk: Buffer) => {
      res.pause();
      resolve(chunk.toString('utf8'));
    });
    res.once('error', reject);
    res.resume();
  });

const event = (i: number) =>
  ({
    id: `ev_${i}`,
    type: 'token.issued',
    time: new Date(Date.UTC(2031, 0, 1) + i).toISOString(),
    tokenId: `tok_${i}`,
    label: `l${i}`,
    ownerId: 'usr_1',
    workspaceId: 'ws_1',
    actor: { kind: 'user', id: 'usr_1' },
  }) as StoredAuditEvent;

describe('expressHandler streams a Response body', () => {
  it('the first NDJSON page of an export reaches the client while the next is still held back', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let released = false;
    // Page one at once; page two only once the test opens the gate; then the end.
    const pager: ExportPager = async (_filter, cursor) => {
      if (cursor === null) return { events: [event(0), event(1)], nextCursor: 'p2' };
      await gate;
      return { events: [event(2)], nextCursor: null };
    };
    const res = await get(
      async () =>
        new Response(exportAudit(pager, {}, 'ndjson'), { headers: { 'content-type': 'application/x-ndjson' } }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson');
    expect(res.headers['transfer-encoding']).toBe('chunked'); // its length is not known yet
    const first = await nextChunk(res);
    expect(released).toBe(false);
    expect(
      first
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).id),
    ).toEqual(['ev_0', 'ev_1']);
    released = true;
    release();
    let rest = '';
    res.setEncoding('utf8').on('data', (c: string) => (rest += c));
    await new Promise((resolve) => res.on('end', resolve).resume());
    expect(
      rest
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).id),
    ).toEqual(['ev_2']);
  });

  it('a client that hangs up cancels the body: the source sees cancel, and no more is read', async () => {
    let cancelled!: (reason: unknown) => void;
    const sawCancel = new Promise((resolve) => (cancelled = resolve));
    let pulls = 0;
    const source = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          pulls++;
          if (pulls === 1) return controller.enqueue(new TextEncoder().encode('{"id":"ev_0"}\n'));
          await new Promise(() => {}); // the next page never comes: only a cancel ends this stream
        },
        cancel: (reason) => cancelled(reason),
      },
      { highWaterMark: 0 },
    );
    const res = await get(async () => new Response(source, { headers: { 'content-type': 'application/x-ndjson' } }));
    expect(await nextChunk(res)).toBe('{"id":"ev_0"}\n');
    res.destroy(); // the client hangs up mid-export
    await sawCancel;
    expect(pulls).toBe(2);
  });

  // A source that has its next chunk at once, every time (a generator over a large result), is not
  // read whole first: past 64 chunks ready at once the body is streamed, with Node's backpressure.
  it('a body that is always ready is streamed after 64 chunks, not read whole first', async () => {
    let pulls = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (++pulls > 10_000) return controller.close();
        controller.enqueue(new TextEncoder().encode(`{"n":${pulls}}\n`));
      },
    });
    const res = await get(async () => new Response(source));
    expect([res.headers['content-length'], res.headers['transfer-encoding']]).toEqual([undefined, 'chunked']);
    let body = '';
    res.setEncoding('utf8').on('data', (c: string) => (body += c));
    await new Promise((resolve) => res.on('end', resolve));
    expect(body.split('\n').filter(Boolean).length).toBe(10_000);
  });

  it('a body whole at once is written with its Content-Length, not chunked (as before)', async () => {
    const res = await get(async () => new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } }));
    expect([res.statusCode, res.headers['content-length'], res.headers['transfer-encoding']]).toEqual([
      200,
      '11',
      undefined,
    ]);
    let body = '';
    res.setEncoding('utf8').on('data', (c: string) => (body += c));
    await new Promise((resolve) => res.on('end', resolve));
    expect(body).toBe('{"ok":true}');
  });
});
