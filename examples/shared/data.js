// The application: a Toado-style tickets API, in memory. Companies contain projects, projects
// contain tickets, tickets have comments. Nothing here knows about keycard except `stamp()`,
// which records on every row the token that wrote it, as Toado does:
// "Jason (claude-code on macbook) · via MCP".

export const users = new Map([
  ['u_jason', 'Jason'],
  ['u_maria', 'Maria'],
  ['u_priya', 'Priya'],
]);

export const companies = [
  { id: 'c1', name: 'Acme' },
  { id: 'c2', name: 'Globex' },
];

export const projects = [
  { id: 'p1', companyId: 'c1', name: 'Website' },
  { id: 'p2', companyId: 'c1', name: 'Mobile app' },
  { id: 'p3', companyId: 'c2', name: 'Billing' },
];

/** Rows written by people in the web app carry no token. */
const byPerson = (ownerId) => ({
  tokenId: null,
  tokenLabel: null,
  ownerId,
  attribution: `${users.get(ownerId)} · via web`,
});

const seededAt = '2025-01-06T09:00:00.000Z';

export const tickets = [
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
];

export const comments = [
  { id: 'm1', ticketId: 't1', body: 'Reproduced on Safari 17 and 18.', createdAt: seededAt, ...byPerson('u_jason') },
];

let ticketSeq = tickets.length;
let commentSeq = comments.length;

/** The resource path keycard checks restrictions against: company ⊃ project. */
export const pathOfCompany = (c) => ({ company: c.id });
export const pathOfProject = (p) => ({ company: p.companyId, project: p.id });
export const pathOfTicket = (t) => ({ company: t.companyId, project: t.projectId });

/** Who wrote a row: the token id, its label and its owner, and the line a person reads. */
export function stamp(identity) {
  const owner = users.get(identity.ownerId) ?? identity.ownerId;
  return {
    tokenId: identity.tokenId,
    tokenLabel: identity.label,
    ownerId: identity.ownerId,
    attribution: `${owner} (${identity.label}) · via API`,
  };
}

export const findProject = (companyId, projectId) =>
  projects.find((p) => p.companyId === companyId && p.id === projectId);
export const findTicket = (id) => tickets.find((t) => t.id === id);
export const commentsOf = (ticketId) => comments.filter((c) => c.ticketId === ticketId);

export function createTicket(project, title, identity) {
  const ticket = {
    id: `t${++ticketSeq}`,
    companyId: project.companyId,
    projectId: project.id,
    title,
    status: 'open',
    assignee: null,
    createdAt: new Date().toISOString(),
    ...stamp(identity),
  };
  tickets.push(ticket);
  return ticket;
}

export function addComment(ticket, body, identity) {
  const comment = {
    id: `m${++commentSeq}`,
    ticketId: ticket.id,
    body,
    createdAt: new Date().toISOString(),
    ...stamp(identity),
  };
  comments.push(comment);
  return comment;
}

export function assign(ticket, assignee, identity) {
  ticket.assignee = assignee;
  // The ticket keeps who created it; the assignment is stamped with who made it.
  ticket.assignedBy = { ...stamp(identity), at: new Date().toISOString() };
  return ticket;
}

/** Input checks of the app itself: a string field of bounded length, or an error message. */
export function text(body, field, max) {
  if (typeof body !== 'object' || body === null) return { error: `The body must be a JSON object with "${field}"` };
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') return { error: `${field} is required` };
  if (value.length > max) return { error: `${field} is longer than ${max} characters` };
  return { value: value.trim() };
}
