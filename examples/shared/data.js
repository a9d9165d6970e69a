// @ts-check
// The application: a Toado-style tickets API, in memory. Companies contain projects, projects
// contain tickets, tickets have comments. Nothing here knows about keycard except `stamp()`,
// which records on every row the token that wrote it and the door it came through, as Toado does:
// "Jason (claude-code on macbook) · via MCP".
//
// `createData()` makes a store (`tickets`, `findTicket`, `createTicket`…); each server makes its own.

/**
 * Who wrote a row: the token, its label and its owner (null token and label: a person in the web
 * app), and the line a person reads.
 * @typedef {{ tokenId: string | null, tokenLabel: string | null, ownerId: string, attribution: string }} Stamp
 */
/** @typedef {{ id: string, name: string }} Company */
/** @typedef {{ id: string, companyId: string, name: string }} Project */
/**
 * @typedef {Stamp & {
 *   id: string,
 *   companyId: string,
 *   projectId: string,
 *   title: string,
 *   status: 'open' | 'closed',
 *   assignee: string | null,
 *   assignedBy?: Stamp & { at: string },
 *   createdAt: string,
 * }} Ticket
 */
/** @typedef {Stamp & { id: string, ticketId: string, body: string, createdAt: string }} Comment */
/**
 * What `stamp` reads of keycard's `Identity`.
 * @typedef {{ readonly tokenId: string, readonly label: string, readonly ownerId: string }} Writer
 */
/** @typedef {ReturnType<typeof createData>} Data */

/** @type {ReadonlyMap<string, string>} */
export const users = new Map([
  ['u_jason', 'Jason'],
  ['u_maria', 'Maria'],
  ['u_priya', 'Priya'],
]);

/**
 * Rows written by people in the web app carry no token.
 * @param {string} ownerId
 * @returns {Stamp}
 */
const byPerson = (ownerId) => ({
  tokenId: null,
  tokenLabel: null,
  ownerId,
  attribution: `${users.get(ownerId)} · via web`,
});

const seededAt = '2025-01-06T09:00:00.000Z';

/**
 * Who wrote a row: the token id, its label and its owner, and the line a person reads.
 * @param {Writer} identity keycard's identity of the request
 * @param {string} [via] the door it came through: `API` (REST) or `MCP`
 * @returns {Stamp}
 */
export function stamp(identity, via = 'API') {
  const owner = users.get(identity.ownerId) ?? identity.ownerId;
  return {
    tokenId: identity.tokenId,
    tokenLabel: identity.label,
    ownerId: identity.ownerId,
    attribution: `${owner} (${identity.label}) · via ${via}`,
  };
}

/** A fresh store with the seed rows, so tests (and several apps in one process) never share rows. */
export function createData() {
  /** @type {Company[]} */
  const companies = [
    { id: 'c1', name: 'Acme' },
    { id: 'c2', name: 'Globex' },
  ];
  /** @type {Project[]} */
  const projects = [
    { id: 'p1', companyId: 'c1', name: 'Website' },
    { id: 'p2', companyId: 'c1', name: 'Mobile app' },
    { id: 'p3', companyId: 'c2', name: 'Billing' },
  ];
  /** @type {Ticket[]} */
  const tickets = [
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
  /** @type {Comment[]} */
  const comments = [
    { id: 'm1', ticketId: 't1', body: 'Reproduced on Safari 17 and 18.', createdAt: seededAt, ...byPerson('u_jason') },
  ];
  let ticketSeq = tickets.length;
  let commentSeq = comments.length;

  return {
    users,
    companies,
    projects,
    tickets,
    comments,
    /**
     * @param {string} companyId
     * @param {string} projectId
     */
    findProject: (companyId, projectId) => projects.find((p) => p.companyId === companyId && p.id === projectId),
    /** @param {string} id */
    findTicket: (id) => tickets.find((t) => t.id === id),
    /** @param {string} ticketId */
    commentsOf: (ticketId) => comments.filter((c) => c.ticketId === ticketId),
    /**
     * @param {Project} project
     * @param {string} title
     * @param {Writer} identity
     * @param {string} [via]
     * @returns {Ticket}
     */
    createTicket(project, title, identity, via) {
      /** @type {Ticket} */
      const ticket = {
        id: `t${++ticketSeq}`,
        companyId: project.companyId,
        projectId: project.id,
        title,
        status: 'open',
        assignee: null,
        createdAt: new Date().toISOString(),
        ...stamp(identity, via),
      };
      tickets.push(ticket);
      return ticket;
    },
    /**
     * @param {Ticket} ticket
     * @param {string} body
     * @param {Writer} identity
     * @param {string} [via]
     * @returns {Comment}
     */
    addComment(ticket, body, identity, via) {
      /** @type {Comment} */
      const comment = {
        id: `m${++commentSeq}`,
        ticketId: ticket.id,
        body,
        createdAt: new Date().toISOString(),
        ...stamp(identity, via),
      };
      comments.push(comment);
      return comment;
    },
    /**
     * @param {Ticket} ticket
     * @param {string | null} assignee
     * @param {Writer} identity
     * @param {string} [via]
     * @returns {Ticket}
     */
    assign(ticket, assignee, identity, via) {
      ticket.assignee = assignee;
      // The ticket keeps who created it; the assignment is stamped with who made it.
      ticket.assignedBy = { ...stamp(identity, via), at: new Date().toISOString() };
      return ticket;
    },
  };
}

/** The resource path keycard checks restrictions against: company ⊃ project. */
export const pathOfCompany = (/** @type {Company} */ c) => ({ company: c.id });
export const pathOfProject = (/** @type {Project} */ p) => ({ company: p.companyId, project: p.id });
export const pathOfTicket = (/** @type {Ticket} */ t) => ({ company: t.companyId, project: t.projectId });

/**
 * Input checks of the app itself: a string field of bounded length, or an error message.
 * @param {unknown} body
 * @param {string} field
 * @param {number} max
 * @returns {{ value: string, error?: undefined } | { error: string, value?: undefined }}
 */
export function text(body, field, max) {
  if (typeof body !== 'object' || body === null) return { error: `The body must be a JSON object with "${field}"` };
  const value = /** @type {Record<string, unknown>} */ (body)[field];
  if (typeof value !== 'string' || value.trim() === '') return { error: `${field} is required` };
  if (value.length > max) return { error: `${field} is longer than ${max} characters` };
  return { value: value.trim() };
}
