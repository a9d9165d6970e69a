// Settings → API tokens, behind the demo session: signed out, to the demo sign-in.
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { graceChoices, personOf, SESSION_COOKIE } from '@/lib/demo-session';
import { Tokens } from './tokens';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Settings · API tokens' };

export default async function Page() {
  if (!personOf((await cookies()).get(SESSION_COOKIE)?.value)) redirect('/demo/login?next=/settings/tokens');
  return (
    <main>
      <h1>API tokens</h1>
      <Tokens graceChoices={graceChoices()} />
    </main>
  );
}
