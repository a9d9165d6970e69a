// A Next.js App Router catch-all route: app/api/tokens/[...path]/route.ts, as docs/management.md shows it.
import { app } from '../../../manage.ts';

const handler = (request: Request) => app.handler(request);
export const GET = handler;
export const POST = handler;
export const PATCH = handler;
export const DELETE = handler;
