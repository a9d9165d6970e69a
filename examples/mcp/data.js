// The application: a Toado-style tickets store, in memory. Companies contain projects, projects
// contain tickets, tickets have comments. Nothing here knows about keycard except `stamp()`, which
// records on every row the token that wrote it and the door it came through:
// "Jason (claude-code on macbook) · via MCP".

const seededAt = '2025-01-06T09:00:00.000Z';

/** A fresh store per app, so tests (and several apps in one process) never share rows. */
export function createData() {
  const users = new Map([
    ['u_jason', 'Jason'],
    ['u_maria', 'Maria'],
    ['u_priya', 'Priya'],
  ]);
  const byPerson = (ownerId) => ({
    tokenId: null,
    tokenLabel: null,
    ownerId,
    attribution: `${users.get(ownerId)} · via web`,
  });
  const companies = [
    { id: 'c1', name: 'Acme' },
    { id: 'c2', name: 'Globex' },
  ];
  const projects = [
    { id: 'p1', companyId: 'c1', name: 'Website' },
    { id: 'p2', companyId: 'c1', name: 'Mobile app' },
    { id: 'p3', companyId: 'c2', name: 'Billing' },
  ];
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
  const comments = [
    { id: 'm1', ticketId: 't1', body: 'Reproduced on Safari 17 and 18.', createdAt: seededAt, ...byPerson('u_jason') },
  ];

  /** Who wrote a row: the token id, its label, its owner, and the line a person reads. */
  const stamp = (identity, via) => ({
    tokenId: identity.tokenId,
    tokenLabel: identity.label,
    ownerId: identity.ownerId,
    attribution: `${users.get(identity.ownerId) ?? identity.ownerId} (${identity.label}) · via ${via}`,
  });

  return {
    users,
    companies,
    projects,
    tickets,
    comments,
    findProject: (companyId, projectId) => projects.find((p) => p.companyId === companyId && p.id === projectId),
    findTicket: (id) => tickets.find((t) => t.id === id),
    createTicket(project, title, identity, via) {
      const ticket = {
        id: `t${tickets.length + 1}`,
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
    addComment(ticket, body, identity, via) {
      const comment = {
        id: `m${comments.length + 1}`,
        ticketId: ticket.id,
        body,
        createdAt: new Date().toISOString(),
        ...stamp(identity, via),
      };
      comments.push(comment);
      return comment;
    },
    assign(ticket, assignee, identity, via) {
      ticket.assignee = assignee;
      ticket.assignedBy = { ...stamp(identity, via), at: new Date().toISOString() };
      return ticket;
    },
  };
}

/** The resource path keycard checks restrictions against: company ⊃ project. */
export const pathOfCompany = (c) => ({ company: c.id });
export const pathOfTicket = (t) => ({ company: t.companyId, project: t.projectId });
