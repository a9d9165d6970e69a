/**
 * Who wrote a row: the token id, its label and its owner, and the line a person reads.
 * @param {Writer} identity keycard's identity of the request
 * @param {string} [via] the door it came through: `API` (REST) or `MCP`
 * @returns {Stamp}
 */
export function stamp(identity: Writer, via?: string): Stamp;
/** A fresh store with the seed rows, so tests (and several apps in one process) never share rows. */
export function createData(): {
  users: ReadonlyMap<string, string>;
  companies: Company[];
  projects: Project[];
  tickets: Ticket[];
  comments: Comment[];
  /**
   * @param {string} companyId
   * @param {string} projectId
   */
  findProject: (companyId: string, projectId: string) => Project | undefined;
  /** @param {string} id */
  findTicket: (id: string) => Ticket | undefined;
  /** @param {string} ticketId */
  commentsOf: (ticketId: string) => Comment[];
  /**
   * @param {Project} project
   * @param {string} title
   * @param {Writer} identity
   * @param {string} [via]
   * @returns {Ticket}
   */
  createTicket(project: Project, title: string, identity: Writer, via?: string): Ticket;
  /**
   * @param {Ticket} ticket
   * @param {string} body
   * @param {Writer} identity
   * @param {string} [via]
   * @returns {Comment}
   */
  addComment(ticket: Ticket, body: string, identity: Writer, via?: string): Comment;
  /**
   * @param {Ticket} ticket
   * @param {string | null} assignee
   * @param {Writer} identity
   * @param {string} [via]
   * @returns {Ticket}
   */
  assign(ticket: Ticket, assignee: string | null, identity: Writer, via?: string): Ticket;
};
/**
 * Input checks of the app itself: a string field of bounded length, or an error message.
 * @param {unknown} body
 * @param {string} field
 * @param {number} max
 * @returns {{ value: string, error?: undefined } | { error: string, value?: undefined }}
 */
export function text(
  body: unknown,
  field: string,
  max: number,
):
  | {
      value: string;
      error?: undefined;
    }
  | {
      error: string;
      value?: undefined;
    };
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
export const users: ReadonlyMap<string, string>;
export function pathOfCompany(c: Company): {
  company: string;
};
export function pathOfProject(p: Project): {
  company: string;
  project: string;
};
export function pathOfTicket(t: Ticket): {
  company: string;
  project: string;
};
/**
 * Who wrote a row: the token, its label and its owner (null token and label: a person in the web
 * app), and the line a person reads.
 */
export type Stamp = {
  tokenId: string | null;
  tokenLabel: string | null;
  ownerId: string;
  attribution: string;
};
export type Company = {
  id: string;
  name: string;
};
export type Project = {
  id: string;
  companyId: string;
  name: string;
};
export type Ticket = Stamp & {
  id: string;
  companyId: string;
  projectId: string;
  title: string;
  status: 'open' | 'closed';
  assignee: string | null;
  assignedBy?: Stamp & {
    at: string;
  };
  createdAt: string;
};
export type Comment = Stamp & {
  id: string;
  ticketId: string;
  body: string;
  createdAt: string;
};
/**
 * What `stamp` reads of keycard's `Identity`.
 */
export type Writer = {
  readonly tokenId: string;
  readonly label: string;
  readonly ownerId: string;
};
export type Data = ReturnType<typeof createData>;
