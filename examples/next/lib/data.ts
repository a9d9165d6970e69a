// The application: the tickets API of ../shared/data.js (@keycard-examples/shared), one store per
// process, plus the Fetch helpers of the route handlers.
import { createData, type Data } from '@keycard-examples/shared/data';

export { pathOfCompany, pathOfProject, pathOfTicket, text, users } from '@keycard-examples/shared/data';

declare global {
  // eslint-disable-next-line no-var
  var __toado: Data | undefined;
}

/** One copy of the data per process, whichever route handler chunk asks (see lib/keycard.ts). */
export const db = (globalThis.__toado ??= createData());
export const { findProject, findTicket, commentsOf, createTicket, addComment, assign } = db;

/** An RFC 9457 problem of the app itself (keycard answers its own denials). */
export const problem = (status: number, title: string, detail: string) =>
  new Response(JSON.stringify({ type: 'about:blank', title, status, detail }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });

/** The JSON body, or undefined when it is not JSON (read after withKeycard: never for an anonymous caller). */
export async function bodyOf(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    return undefined;
  }
}
