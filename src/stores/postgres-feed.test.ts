import { describe, expect, it } from 'vitest';
import type { StoreChange } from '../core/store.ts';
import { ChangeFeed } from './postgres-feed.ts';
import type { SqlPort } from './postgres-port.ts';

/**
 * A scripted database: a change counter, a change table the test edits (to lose or prune rows),
 * a LISTEN it can notify, drop or fail, and polls it can make fail.
 */
function scriptedPort(head = 5) {
  const db = {
    head,
    changes: new Map<number, Record<string, unknown>>(),
    failing: false,
    polls: 0,
    listens: 0,
    notify: (_payload: string) => {},
    lose: (_error: unknown) => {},
  };
  const port: SqlPort = {
    async query(text, params) {
      if (!text.includes('keycard_state')) return { rows: [] }; // prune
      db.polls++;
      if (db.failing) throw new Error('connection refused');
      const since = params[0] as number | null;
      const rows =
        since === null ? [] : [...db.changes.keys()].filter((s) => s > since && s <= db.head).sort((a, b) => a - b);
      return rows.length === 0
        ? { rows: [{ head: String(db.head), seq: null, change: null }] }
        : { rows: rows.map((s) => ({ head: String(db.head), seq: String(s), change: db.changes.get(s) })) };
    },
    async listen(_channel, onNotify, onLost) {
      db.listens++;
      db.notify = onNotify;
      db.lose = onLost;
      return async () => {
        db.notify = () => {};
      };
    },
  };
  /** Commits a change: numbered, recorded; announced unless `silent`. */
  const commit = (principalId: string, { silent = false, big = false } = {}) => {
    const seq = ++db.head;
    const change = { type: 'owner', principalId };
    db.changes.set(seq, change);
    if (!silent) db.notify(JSON.stringify(big ? { seq } : { ...change, seq }));
    return seq;
  };
  return { db, port, commit };
}

async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const found = check();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${what}: not within 2 s`);
}

const feedOn = (port: SqlPort, errors: unknown[] = [], mode: 'listen' | 'poll' = 'listen') =>
  new ChangeFeed(port, {
    mode,
    channel: 'keycard_changes',
    pollIntervalMs: 10,
    retentionMs: 600_000,
    onError: (e) => errors.push(e),
  });

const changesOf = (seen: StoreChange[]) => seen.filter((c) => c.type !== 'heartbeat').map((c) => c.seq);

describe('ChangeFeed', () => {
  it('starts from the current counter: a new subscriber hears a heartbeat, not the history', async () => {
    const { port, db } = scriptedPort(5);
    db.changes.set(5, { type: 'owner', principalId: 'old' });
    const feed = feedOn(port);
    const seen: StoreChange[] = [];
    await feed.subscribe((c) => seen.push(c));
    await until('a heartbeat', () => seen.find((c) => c.type === 'heartbeat'));
    expect(seen.filter((c) => c.type !== 'heartbeat')).toEqual([]);
    expect(seen[0]).toEqual({ type: 'heartbeat', seq: 5 });
    await feed.stop();
  });

  it('a notification that overtook its predecessor waits until the poll reads the one it lost', async () => {
    const { port, commit } = scriptedPort(5);
    const feed = feedOn(port);
    const seen: StoreChange[] = [];
    await feed.subscribe((c) => seen.push(c));
    commit('lost', { silent: true }); // 6: its NOTIFY never arrived
    commit('arrived'); // 7
    await until('both changes', () => (changesOf(seen).length === 2 ? true : undefined));
    expect(changesOf(seen)).toEqual([6, 7]);
    expect(seen.filter((c) => c.type === 'owner').map((c) => (c as { principalId: string }).principalId)).toEqual([
      'lost',
      'arrived',
    ]);
    await feed.stop();
  });

  it('every delivery in strictly increasing order, heartbeats repeating the last number', async () => {
    const { port, commit } = scriptedPort(0);
    const feed = feedOn(port);
    const seen: StoreChange[] = [];
    await feed.subscribe((c) => seen.push(c));
    for (let i = 0; i < 30; i++) commit(`p${i}`, { silent: i % 3 === 0 });
    await until('30 changes', () => (changesOf(seen).length === 30 ? true : undefined));
    let last = -Infinity;
    for (const c of seen) {
      expect(c.type === 'heartbeat' ? c.seq >= last : c.seq > last).toBe(true);
      last = c.seq;
    }
    expect(changesOf(seen)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await feed.stop();
  });

  it('a change pruned before this process read it is skipped: the jump in seq tells the subscriber', async () => {
    const { port, db, commit } = scriptedPort(5);
    const feed = feedOn(port, [], 'poll');
    const seen: StoreChange[] = [];
    await feed.subscribe((c) => seen.push(c));
    db.failing = true; // away for a while…
    const pruned = [commit('a', { silent: true }), commit('b', { silent: true })];
    commit('c', { silent: true });
    for (const seq of pruned) db.changes.delete(seq);
    db.failing = false;
    await until('the surviving change', () => (changesOf(seen).includes(8) ? true : undefined));
    expect(changesOf(seen)).toEqual([8]);
    await until('a heartbeat at 8', () => seen.find((c) => c.type === 'heartbeat' && c.seq === 8));
    await feed.stop();
  });

  it('no heartbeat while polls fail; the failure is reported once per outage; it recovers by itself', async () => {
    const { port, db } = scriptedPort(5);
    const errors: unknown[] = [];
    const feed = feedOn(port, errors);
    const seen: StoreChange[] = [];
    await feed.subscribe((c) => seen.push(c));
    db.failing = true;
    const pollsAtFailure = db.polls;
    await until('several failed polls', () => (db.polls > pollsAtFailure + 5 ? true : undefined));
    const beatsDuring = seen.length;
    await until('more failed polls', () => (db.polls > pollsAtFailure + 10 ? true : undefined));
    expect(seen.length).toBeLessThanOrEqual(beatsDuring + 1); // at most one poll was already answered
    expect(errors.length).toBe(1);
    db.failing = false;
    const before = seen.length;
    await until('heartbeats again', () => (seen.length > before ? true : undefined));
    await feed.stop();
  });

  it('a lost LISTEN connection is opened again, and the poll covers the gap meanwhile', async () => {
    const { port, db, commit } = scriptedPort(5);
    const errors: unknown[] = [];
    const feed = feedOn(port, errors);
    const seen: StoreChange[] = [];
    await feed.subscribe((c) => seen.push(c));
    expect(db.listens).toBe(1);
    const lose = db.lose;
    db.notify = () => {}; // the connection is gone: its notifications with it
    lose(new Error('terminating connection due to administrator command'));
    commit('while deaf');
    await until('the change, by polling', () => (changesOf(seen).includes(6) ? true : undefined));
    await until('LISTEN again', () => (db.listens === 2 ? true : undefined));
    expect(errors.length).toBe(1);
    await feed.stop();
  });

  it('a payload holding only seq (a description too large to NOTIFY) is read from the table', async () => {
    const { port, commit } = scriptedPort(5);
    const feed = feedOn(port);
    const seen: StoreChange[] = [];
    await feed.subscribe((c) => seen.push(c));
    commit('x'.repeat(9_000), { big: true });
    const change = await until('the change', () => seen.find((c) => c.type === 'owner'));
    expect(change).toEqual({ type: 'owner', seq: 6, principalId: 'x'.repeat(9_000) });
    await feed.stop();
  });

  it('a payload is a wake-up only: one naming a number the table holds otherwise is never delivered', async () => {
    // The channel is database-wide (another schema's keycard tables, any role's NOTIFY).
    const { port, db, commit } = scriptedPort(5);
    const feed = feedOn(port);
    const seen: StoreChange[] = [];
    await feed.subscribe((c) => seen.push(c));
    await until('the baseline', () => seen.find((c) => c.type === 'heartbeat'));
    db.notify(JSON.stringify({ seq: 6, type: 'owner', principalId: 'not ours' }));
    commit('ours');
    await until('change 6', () => seen.find((c) => c.type === 'owner'));
    expect(seen.filter((c) => c.type !== 'heartbeat')).toEqual([{ type: 'owner', seq: 6, principalId: 'ours' }]);
    await feed.stop();
  });

  it('a notification heard during the last of a run of polls brings one more poll, not a wait for the timer', async () => {
    // Each poll reads the table when it starts and answers when the test lets it: a change committed
    // while a poll is out is not in its answer. The timed poll is a minute away: only a
    // notification can bring the change.
    const { port, db, commit } = scriptedPort(5);
    const held: (() => void)[] = [];
    const query = port.query.bind(port);
    let holding = false;
    const gated: SqlPort = {
      ...port,
      async query(text, params) {
        const answer = await query(text, params);
        if (holding && text.includes('keycard_state')) await new Promise<void>((r) => held.push(r));
        return answer;
      },
    };
    const feed = new ChangeFeed(gated, {
      mode: 'listen',
      channel: 'keycard_changes',
      pollIntervalMs: 60_000,
      retentionMs: 600_000,
      onError: () => {},
    });
    const seen: StoreChange[] = [];
    await feed.subscribe((c) => seen.push(c));
    await until('the baseline', () => seen.find((c) => c.type === 'heartbeat'));
    holding = true;
    const out = () => until('a poll out', () => (held.length === 1 ? true : undefined));
    db.notify('{}'); // wakes poll 1
    for (let poll = 1; poll <= 3; poll++) {
      await out();
      // Heard while poll `poll` is out; the third is the change's own (a revocation, say).
      if (poll < 3) db.notify('{}');
      else commit('committed while the third poll was out');
      held.shift()!();
    }
    holding = false;
    for (const r of held.splice(0)) r();
    await until('the change', () => seen.find((c) => c.type === 'owner'));
    expect(changesOf(seen)).toEqual([6]);
    await feed.stop();
  });

  it('a change this process committed is delivered before committed() resolves', async () => {
    const { port, db } = scriptedPort(5);
    const feed = feedOn(port, [], 'poll');
    const seen: StoreChange[] = [];
    await feed.subscribe((c) => seen.push(c));
    await until('the baseline', () => seen.find((c) => c.type === 'heartbeat'));
    db.head = 6;
    db.changes.set(6, { type: 'owner', principalId: 'mine' });
    await feed.committed({ type: 'owner', seq: 6, principalId: 'mine' });
    expect(changesOf(seen)).toEqual([6]);
    // Next in line is 8, but 7 (another process's) is missing: committed() waits for the poll.
    db.head = 8;
    db.changes.set(7, { type: 'owner', principalId: 'theirs' });
    db.changes.set(8, { type: 'owner', principalId: 'mine again' });
    await feed.committed({ type: 'owner', seq: 8, principalId: 'mine again' });
    expect(changesOf(seen)).toEqual([6, 7, 8]);
    await feed.stop();
  });

  it('stops polling and listening when the last listener leaves', async () => {
    const { port, db } = scriptedPort(5);
    const feed = feedOn(port);
    const seen: StoreChange[] = [];
    const off1 = await feed.subscribe((c) => seen.push(c));
    const off2 = await feed.subscribe(() => {});
    await off1();
    const polls = db.polls;
    await until('polling goes on for the other listener', () => (db.polls > polls + 2 ? true : undefined));
    await off2();
    const after = db.polls;
    await new Promise((r) => setTimeout(r, 50));
    expect(db.polls).toBeLessThanOrEqual(after + 1);
  });
});
