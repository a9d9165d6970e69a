/**
 * The demo session and Settings → API tokens, from ../shared/demo-session.js as in every example:
 * GET /demo/login?as=u_jason sets an HttpOnly, SameSite=Lax cookie (`demoLogin`, the route
 * app/demo/login/route.ts), `sessionOf` maps it to the management API's actor, and the management
 * handler (with the device login routes) answers under /api/tokens. ⚠️ Demo only: anyone can be
 * anyone; a real app maps its own session.
 */
import type { ManagementHandler } from 'keycard';
import { demoManagement } from '@keycard-examples/shared/demo-session';
import { keycard } from './keycard';

export { demoLogin, graceChoices, personOf, SESSION_COOKIE } from '@keycard-examples/shared/demo-session';

declare global {
  // eslint-disable-next-line no-var
  var __keycardManage: ManagementHandler | undefined;
}

/** One handler per process (route modules may be loaded more than once). */
export const manage: ManagementHandler = (globalThis.__keycardManage ??= demoManagement(keycard, {
  // Next hands route handlers a request URL of its own making (not always the Host the browser
  // used), so the origins the demo is served from are listed; a browser's same-origin fetch
  // (Sec-Fetch-Site: same-origin) passes anyway. ⚠️ In production, list your public origin.
  allowedOrigins: [`http://127.0.0.1:${process.env.PORT ?? 3002}`, `http://localhost:${process.env.PORT ?? 3002}`],
}));
