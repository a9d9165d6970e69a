/** Express types of keycard: the `req.keycard` augmentation and `AuthenticatedRequest`. Re-exported by `keycard/express`. */
import type { Request } from 'express';
import type { ParamsDictionary } from 'express-serve-static-core';
import type { Identity } from '../index.ts';

declare global {
  namespace Express {
    interface Request {
      /**
       * The verified token, set by keycard's guard. Typed as present so a handler annotated
       * `(req: AuthenticatedRequest, res) => …` fits Express's handler type under `strict`; on a
       * route no guard covers it is `undefined` at run time.
       */
      keycard: Identity;
    }
  }
}

/**
 * A request that passed a keycard guard. Generic like Express's `Request`, so route parameters
 * keep their types: `(req: AuthenticatedRequest<{ id: string }>, res) => …`.
 */
export type AuthenticatedRequest<
  P = ParamsDictionary,
  ResBody = unknown,
  ReqBody = unknown,
  ReqQuery = Request['query'],
> = Request<P, ResBody, ReqBody, ReqQuery> & {
  keycard: Identity;
};
