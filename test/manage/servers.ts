/** A handler served by real Express and Hono servers on 127.0.0.1, for the management tests. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll } from 'vitest';
import { expressHandler } from '../../src/adapters/express.ts';
import { BASE } from './fixture.ts';

/** Starts both servers with `handler` mounted at BASE; `origins` is [Express, Hono]; `close` stops them. */
export async function listenAll(handler: (request: Request) => Promise<Response>) {
  const e = express();
  e.use(BASE, expressHandler(handler));
  const expressServer = await new Promise<Server>((resolve) => {
    const s = e.listen(0, '127.0.0.1', () => resolve(s));
  });
  const h = new Hono();
  h.mount(BASE, handler, { replaceRequest: false });
  const honoServer = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const origins = [expressServer, honoServer].map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
  const close = async () => {
    await new Promise((r) => expressServer.close(r));
    await new Promise((r) => honoServer.close(r));
  };
  return { origins, close };
}

/** `listenAll` for the enclosing suite: started before its tests, closed after; `origins` filled in then. */
export function servedDuringSuite(handler: (request: Request) => Promise<Response>): { readonly origins: string[] } {
  const served = { origins: [] as string[] };
  let close = async () => {};
  beforeAll(async () => {
    const s = await listenAll(handler);
    served.origins.push(...s.origins);
    close = s.close;
  });
  afterAll(() => close());
  return served;
}
