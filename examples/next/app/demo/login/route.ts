// ⚠️ The demo sign-in: GET /demo/login?as=u_jason[&next=/path] makes anyone Jason (an HttpOnly,
// SameSite=Lax cookie), then redirects; without `as`, a page to pick a person.
import { PEOPLE, SESSION_COOKIE } from '@/lib/demo-session';

export const dynamic = 'force-dynamic';

export function GET(request: Request): Response {
  const url = new URL(request.url);
  const as = url.searchParams.get('as');
  const asked = url.searchParams.get('next');
  const next = asked && asked.startsWith('/') && !asked.startsWith('//') ? asked : '/settings/tokens';
  if (!as || !Object.hasOwn(PEOPLE, as)) {
    const links = Object.keys(PEOPLE)
      .map((id) => `<li><a href="/demo/login?as=${id}&amp;next=${encodeURIComponent(next)}">Sign in as ${id}</a></li>`)
      .join('');
    return new Response(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo sign-in</title></head><body><main><h1>Demo sign-in</h1><ul>${links}</ul></main></body></html>`,
      {
        headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' },
      },
    );
  }
  return new Response(null, {
    status: 303,
    headers: {
      Location: next,
      'Set-Cookie': `${SESSION_COOKIE}=${as}; Path=/; HttpOnly; SameSite=Lax`,
      'Cache-Control': 'no-store',
    },
  });
}
