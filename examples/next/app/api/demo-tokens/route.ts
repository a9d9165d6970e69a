// ⚠️ For the demo only: serves the demo tokens' secrets so that scripts/smoke-examples.mjs can use
// them. It answers only when KEYCARD_DEMO=1 (the start script sets it); a real app never returns a
// token after showing it once.
import { demoTokens } from '@/lib/demo';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  if (process.env.KEYCARD_DEMO !== '1') return new Response('Not Found', { status: 404 });
  return Response.json({ tokens: await demoTokens() }, { headers: { 'Cache-Control': 'no-store' } });
}
