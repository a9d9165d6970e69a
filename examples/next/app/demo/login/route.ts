// ⚠️ The demo sign-in: GET /demo/login?as=u_jason[&next=/path] makes anyone Jason (an HttpOnly,
// SameSite=Lax cookie), then redirects; without `as`, a page to pick a person. The handler is
// every example's, from ../shared/demo-session.js.
import { demoLogin } from '@/lib/demo-session';

export const dynamic = 'force-dynamic';

export function GET(request: Request): Response {
  return demoLogin(request);
}
