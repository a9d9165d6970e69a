// The application: a Toado-style tickets API, in memory. Companies contain projects, projects
// contain tickets, tickets have comments. Nothing here knows about keycard except `stamp()`,
// which records on every row the token that wrote it, as Toado does:
// "Jason (claude-code on macbook) · via MCP".
import type { Identity } from 'keycard';

export interface Stamp {
  tokenId: string | null;
  tokenLabel: string | null;
  ownerId: string;
  attribution: string;
}
export interface Company {
  id: string;
  name: string;
}
export interface Project {
  id: string;
  companyId: string;
  name: string;
}
export interface Ticket extends Stamp {
  id: string;
  companyId: string;
  projectId: string;
  title: string;
  status: 'open' | 'closed';
  assignee: string | null;
  assignedBy?: Stamp & { at: string };
  createdAt: string;
}
export interface Comment extends Stamp {
  id: string;
  ticketId: string;
  body: string;
  createdAt: string;
}

export const users = new Map([
  ['u_jason', 'Jason'],
  ['u_maria', 'Maria'],
  ['u_priya', 'Priya'],
]);

/** Rows written by people in the web app carry no token. */
const byPerson = (ownerId: string): Stamp => ({
  tokenId: null,
  tokenLabel: null,
  ownerId,
  attribution: `${users.get(ownerId)} · via web`,
});

function seed() {
  const seededAt = '2025-01-06T09:00:00.000Z';
  return {
    companies: [
      { id: 'c1', name: 'Acme' },
      { id: 'c2', name: 'Globex' },
    ] as Company[],
    projects: [
      { id: 'p1', companyId: 'c1', name: 'Website' },
      { id: 'p2', companyId: 'c1', name: 'Mobile app' },
      { id: 'p3', companyId: 'c2', name: 'Billing' },
    ] as Project[],
    tickets: [
      {
        id: 't1',
        companyId: 'c1',
        projectId: 'p1',
        title: 'Checkout button overlaps the footer on Safari',
        status: 'open',
        assignee: null,
        createdAt: seededAt,
        ...byPerson('u_maria'),
      },
      {
        id: 't2',
        companyId: 'c1',
        projectId: 'p1',
        title: 'Add a sitemap.xml',
        status: 'open',
        assignee: 'u_jason',
        createdAt: seededAt,
        ...byPerson('u_jason'),
      },
      {
        id: 't3',
        companyId: 'c1',
        projectId: 'p2',
        title: 'Push notifications arrive twice on Android',
        status: 'open',
        assignee: null,
        createdAt: seededAt,
        ...byPerson('u_priya'),
      },
      {
        id: 't4',
        companyId: 'c2',
        projectId: 'p3',
        title: 'Invoice PDF shows the wrong VAT rate',
        status: 'open',
        assignee: null,
        createdAt: seededAt,
        ...byPerson('u_maria'),
      },
    ] as Ticket[],
    comments: [
      {
        id: 'm1',
        ticketId: 't1',
        body: 'Reproduced on Safari 17 and 18.',
        createdAt: seededAt,
        ...byPerson('u_jason'),
      },
    ] as Comment[],
    seq: { ticket: 4, comment: 1 },
  };
}

declare global {
  // eslint-disable-next-line no-var
  var __toado: ReturnType<typeof seed> | undefined;
}

/** One copy of the data per process, whichever route handler chunk asks (see lib/keycard.ts). */
export const db = (globalThis.__toado ??= seed());

/** The resource path keycard checks restrictions against: company ⊃ project. */
export const pathOfCompany = (c: Company) => ({ company: c.id });
export const pathOfProject = (p: Project) => ({ company: p.companyId, project: p.id });
export const pathOfTicket = (t: Ticket) => ({ company: t.companyId, project: t.projectId });

/** Who wrote a row: the token id, its label and its owner, and the line a person reads. */
export function stamp(identity: Identity): Stamp {
  const owner = users.get(identity.ownerId) ?? identity.ownerId;
  return {
    tokenId: identity.tokenId,
    tokenLabel: identity.label,
    ownerId: identity.ownerId,
    attribution: `${owner} (${identity.label}) · via API`,
  };
}

export const findProject = (companyId: string, projectId: string) =>
  db.projects.find((p) => p.companyId === companyId && p.id === projectId);
export const findTicket = (id: string) => db.tickets.find((t) => t.id === id);
export const commentsOf = (ticketId: string) => db.comments.filter((c) => c.ticketId === ticketId);

export function createTicket(project: Project, title: string, identity: Identity): Ticket {
  const ticket: Ticket = {
    id: `t${++db.seq.ticket}`,
    companyId: project.companyId,
    projectId: project.id,
    title,
    status: 'open',
    assignee: null,
    createdAt: new Date().toISOString(),
    ...stamp(identity),
  };
  db.tickets.push(ticket);
  return ticket;
}

export function addComment(ticket: Ticket, body: string, identity: Identity): Comment {
  const comment: Comment = {
    id: `m${++db.seq.comment}`,
    ticketId: ticket.id,
    body,
    createdAt: new Date().toISOString(),
    ...stamp(identity),
  };
  db.comments.push(comment);
  return comment;
}

export function assign(ticket: Ticket, assignee: string | null, identity: Identity): Ticket {
  ticket.assignee = assignee;
  // The ticket keeps who created it; the assignment is stamped with who made it.
  ticket.assignedBy = { ...stamp(identity), at: new Date().toISOString() };
  return ticket;
}

/** An RFC 9457 problem of the app itself (keycard answers its own denials). */
export const problem = (status: number, title: string, detail: string) =>
  new Response(JSON.stringify({ type: 'about:blank', title, status, detail }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });

/** The JSON body, or undefined when it is not JSON (read after withKeycard: never for an anonymous caller). */
export async function bodyOf(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    return undefined;
  }
}

/** Input checks of the app itself: a string field of bounded length, or an error message. */
export function text(
  body: unknown,
  field: string,
  max: number,
): { value: string; error?: undefined } | { error: string } {
  if (typeof body !== 'object' || body === null) return { error: `The body must be a JSON object with "${field}"` };
  const value = (body as Record<string, unknown>)[field];
  if (typeof value !== 'string' || value.trim() === '') return { error: `${field} is required` };
  if (value.length > max) return { error: `${field} is longer than ${max} characters` };
  return { value: value.trim() };
}
