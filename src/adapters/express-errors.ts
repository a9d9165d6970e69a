/**
 * Placing keycard's error handler in an Express app: before the app's own top-level error
 * handlers, so a catch-all of the app's never answers an `identity.assert` denial with a 500.
 */
import type { ErrorRequestHandler, Express } from 'express';

interface Layer {
  readonly handle: ((...args: never[]) => unknown) & { readonly length: number };
}

/**
 * Adds `errors` to `app` before each of the app's top-level error handlers and at the end. Runs
 * on the first guarded request, when the app is set up. Express keeps its layers in
 * `app.router.stack` (Express 5's `router`); without one, `errors` is only appended.
 */
export function installErrorHandler(app: Express, errors: ErrorRequestHandler): void {
  const stack = (app as unknown as { router?: { stack?: Layer[] } }).router?.stack;
  // Express calls a 4-argument layer only for errors: those are the app's error handlers.
  const theirs = Array.isArray(stack) ? stack.filter((l) => l.handle.length === 4 && l.handle !== errors) : [];
  for (const handler of theirs) {
    app.use(errors); // a layer made by Express itself, then moved in front of the app's handler
    const layer = stack!.pop()!;
    stack!.splice(stack!.indexOf(handler), 0, layer);
  }
  app.use(errors);
}
