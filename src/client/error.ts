/** `ManagementError`, the one error `keycard/client` rejects with. */
import { cut, printable } from './answer.ts';
import type { ProblemBody } from '../manage/answer-schemas.ts';

/** An error answer of the management API, as a typed error: match on `code`, read `errors` for field errors. */
export class ManagementError extends Error {
  override name = 'ManagementError';
  /** The problem's `code`, e.g. `invalid_request`, `not_found`, `scope_escalation`, `count_changed`. */
  readonly code: string;
  /** The answer's HTTP status; 0 when there was none (`invalid_config`, `unavailable`, a refused id). */
  readonly status: number;
  /** Every bad field of a 400, at once. */
  readonly errors: readonly { readonly field: string; readonly message: string }[];
  /** The whole problem body (extra members such as `expected` and `actual` of `count_changed`). */
  readonly problem: ProblemBody & Record<string, unknown>;

  /**
   * The message is the problem's `detail`, at most 1,000 characters, control characters and bidi overrides as U+FFFD.
   * Not checked (the client builds it; a check costs keycard/ui 31–107 B of its 16 KB): pass a problem body.
   */
  constructor(problem: ProblemBody & Record<string, unknown>, options?: { readonly cause?: unknown }) {
    super(printable(cut(problem.detail, MAX_MESSAGE)), options);
    this.code = problem.code;
    this.status = problem.status;
    this.errors = problem.errors ?? [];
    this.problem = problem;
  }
}

/** The longest message a server's `detail` makes, in characters. */
const MAX_MESSAGE = 1_000;

/** A problem made here (the server sent none): `status` 0 unless an answer came. */
export const localProblem = (
  code: string,
  detail: string,
  status = 0,
  title = 'Request failed',
): ProblemBody & Record<string, unknown> => ({ type: 'about:blank', title, status, detail, code });
