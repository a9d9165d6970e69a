/**
 * RFC 9110 §15 reason phrases, the `title` of an `about:blank` problem (RFC 9457 §4.2.1): the one
 * table the request contract (src/core/http.ts), the management API and the leak intake read.
 */

/** The statuses of the request contract (SPEC §8). */
export const REQUEST_PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** The other statuses keycard's handlers answer a problem with (no spread: bundlers drop it unused). */
const MORE_PHRASES: Readonly<Record<number, string>> = {
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

/** The reason phrase of any status keycard's handlers answer a problem with. */
export const phraseOf = (status: number): string => REQUEST_PHRASES[status] ?? MORE_PHRASES[status]!;
