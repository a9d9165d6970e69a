/**
 * The demo's pages: GET /demo/login, GET /settings/tokens (signed out: to the sign-in) and
 * GET /assets/keycard/*.js (the `keycard/ui` bundle). Null for any other request.
 * @param {Request} request
 * @returns {Promise<Response | null>}
 */
export function demoPages(request: Request): Promise<Response | null>;
