// @ts-check
// The settings page of the Express, Hono, MCP and CLI examples (Next renders its own,
// app/settings/tokens/): a plain HTML page holding <keycard-tokens>, the `keycard/ui` bundle it
// loads, read from keycard's dist/ (Node), and the demo sign-in of ./demo-session.js.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { demoLogin, graceChoices, html, sessionOf } from './demo-session.js';

const page = (choices = graceChoices()) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Settings · API tokens</title>
<style>body{margin:0;background:#f0f2f5;font-family:system-ui,sans-serif}main{max-width:52em;margin:0 auto;padding:2em 1em}
@media (prefers-color-scheme:dark){body{background:#010409;color:#e6edf3}}</style>
<script type="module" src="/assets/keycard/ui.js"></script></head>
<body><main><h1>API tokens</h1><keycard-tokens base-path="/api/tokens"${choices ? ` grace-choices="${choices}"` : ''}></keycard-tokens></main></body></html>`;

/**
 * Where the `keycard/ui` bundle lives: keycard's dist/ (`ui.js` and the chunks it imports).
 * KEYCARD_UI_DIR overrides it (the CLI end-to-end test bundles src/ui there instead of building dist/).
 */
const uiDir = () => process.env.KEYCARD_UI_DIR ?? path.dirname(createRequire(import.meta.url).resolve('keycard/ui'));

/** @param {string} name */
async function asset(name) {
  if (!/^(ui|chunk-[A-Za-z0-9_-]+)\.js$/.test(name)) return null;
  try {
    const body = await readFile(path.join(uiDir(), name));
    return new Response(body, {
      headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' },
    });
  } catch {
    return null;
  }
}

/**
 * The demo's pages: GET /demo/login, GET /settings/tokens (signed out: to the sign-in) and
 * GET /assets/keycard/*.js (the `keycard/ui` bundle). Null for any other request.
 * @param {Request} request
 * @returns {Promise<Response | null>}
 */
export async function demoPages(request) {
  if (request.method !== 'GET' && request.method !== 'HEAD') return null;
  const url = new URL(request.url);
  if (url.pathname === '/demo/login') return demoLogin(request);
  if (url.pathname === '/settings/tokens') {
    if (!sessionOf(request))
      return new Response(null, { status: 303, headers: { Location: '/demo/login?next=/settings/tokens' } });
    return html(page());
  }
  if (url.pathname.startsWith('/assets/keycard/')) return asset(url.pathname.slice('/assets/keycard/'.length));
  return null;
}
