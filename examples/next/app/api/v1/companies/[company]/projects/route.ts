import { withKeycard } from 'keycard/next';
import { db, pathOfProject, problem } from '@/lib/data';
import { keycard } from '@/lib/keycard';

type Context = { params: Promise<{ company: string }> };

export const GET = withKeycard<Context>(keycard, { scope: 'read' }, async (_request, { identity, params }) => {
  const { company: companyId } = await params;
  // Naming a company the token may not read is a 403 (checked before the lookup: no existence
  // leak). assert() throws a KeycardError that withKeycard answers with the 403 problem.
  identity.assert({ company: companyId }, 'read');
  const company = db.companies.find((c) => c.id === companyId);
  if (!company) return problem(404, 'Not Found', `No company ${companyId}`);
  return Response.json({
    projects: identity.filter(
      db.projects.filter((p) => p.companyId === company.id),
      pathOfProject,
    ),
  });
});
