// Tokens that die when they leak (docs/leaks.md): GitHub's secret scanning POSTs every public
// match of `toado_sk_…` here, signed; keycard checks the signature, revokes the live tokens and
// calls onLeak. A real app emails the owner; this example prints what it would send.
import { createLeakIntakeHandler } from 'keycard';
import { keycard } from '@keycard-examples/shared/keycard';

export const leakIntake = createLeakIntakeHandler(keycard, {
  provider: 'github',
  onLeak: ({ record, url, source }) => {
    console.log(
      [
        `leak: would email the owner ${record.ownerId}:`,
        `  Your API token "${record.label}" (${record.start}) was found in public (${source}) at`,
        `  ${url || '(no URL given)'} and has been revoked. Create a new one in Settings → API tokens.`,
      ].join('\n'),
    );
  },
});

/**
 * A Web-standard handler as Express middleware: the raw body goes through untouched (the
 * signature covers its exact bytes), so mount it before any body parser.
 */
export const webHandler = (handler) => (req, res, next) => {
  (async () => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      for (const v of [value ?? []].flat()) headers.append(name, v);
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
    const response = await handler(
      new Request(`http://${req.headers.host}${req.originalUrl}`, { method: req.method, headers, body }),
    );
    res.status(response.status);
    response.headers.forEach((value, name) => res.setHeader(name, value));
    res.end(Buffer.from(await response.arrayBuffer()));
  })().catch(next);
};
