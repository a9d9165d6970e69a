/**
 * An integrator's own event read by an audit store (`append`, `write`) whose values throw when
 * read: a getter, a `toJSON` getter, a proxy's traps. On every backend (memory, PGlite, a
 * Postgres server with DATABASE_URL) such a value is `…`, as a `toJSON` that throws is
 * (src/core/audit-values.ts), and one the store needs (the event's `type`) refuses the event with a
 * `KeycardError('invalid_argument')` naming it: never the raw error (it is the integrator's, and
 * may quote anything), never a wedged writer.
 */
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/core/audit.ts';
import { strip } from '../src/testing/audit-store-suite-helpers.ts';
import { LAW_NOW, lawDenial, lawFile, lostOf } from './audit-laws-backends.ts';

const { backends, runId } = lawFile('ag');
const SECRET = 'the getter says acme_sk_secret';
const boom = (): never => {
  throw new Error(SECRET);
};
const throwing = <T extends object>(target: T, key: string): T =>
  Object.defineProperty(target, key, { get: boom, enumerable: true });

/** Values whose reading throws, and what every store keeps of them. */
const cases: [string, () => unknown, unknown][] = [
  ['a getter', () => throwing({ ok: 1 }, 'bad'), { ok: 1, bad: '…' }],
  ['a getter of an array element', () => throwing([1, 2], '0'), ['…', 2]],
  ['a toJSON getter', () => throwing({ ok: 1 }, 'toJSON'), '…'],
  ['a proxy whose keys throw', () => new Proxy({}, { ownKeys: boom }), '…'],
  ['a proxy whose every read throws', () => new Proxy({ a: 1 }, { get: boom }), '…'],
];

describe(`audit store values that throw when read, on ${backends.map(([n]) => n).join(', ')}`, () => {
  for (const [what, make, kept] of cases)
    it(`${what} is kept as …, by append and by write, never the raw error`, async () => {
      for (const [name, open] of backends) {
        const errors: Error[] = [];
        const s = await open({ requests: 'all', now: () => LAW_NOW, onError: (e) => errors.push(e) });
        const run = runId();
        await expect(s.append([lawDenial(run, 0, { detail: make() })]), name).resolves.toBeUndefined();
        s.write(lawDenial(run, 1, { detail: make() }));
        s.write(throwing(lawDenial(run, 2) as object, 'label') as AuditEvent);
        await s.close();
        expect(errors.map((e) => e.message).concat(String(lostOf(errors))), name).toEqual(['0']);
        const { events } = await s.query({ workspaceId: `${run}-ws`, order: 'asc' });
        expect(
          events.map((e) => [e.label, (strip(e) as { detail?: unknown }).detail]),
          name,
        ).toEqual([
          ['e0', kept],
          ['e1', kept],
          ['…', undefined],
        ]);
      }
    });

  it('a throwing read of a field the store needs (type, surface, actor) refuses the event: invalid_argument naming it', async () => {
    for (const [name, open] of backends) {
      const errors: Error[] = [];
      const s = await open({ requests: 'all', now: () => LAW_NOW, onError: (e) => errors.push(e) });
      const run = runId();
      for (const field of ['type', 'surface', 'actor']) {
        const event = () => throwing(lawDenial(run, 0) as object, field) as AuditEvent;
        const refused = await s.append([event()]).then(
          () => null,
          (e: unknown) => e,
        );
        expect(refused, `${name}: ${field}`).toMatchObject({ code: 'invalid_argument', fields: [field] });
        expect(String((refused as Error).message), name).not.toContain('acme_sk');
        s.write(event());
      }
      const everything = new Proxy({}, { get: boom, ownKeys: boom, has: boom, getOwnPropertyDescriptor: boom });
      await expect(s.append([everything as AuditEvent]), name).rejects.toMatchObject({ code: 'invalid_argument' });
      await s.close();
      // write reported each refusal as the KeycardError append rejects with (memory's write reports none).
      for (const e of errors) expect(e, name).toMatchObject({ code: 'invalid_argument' });
      expect((await s.query({ workspaceId: `${run}-ws` })).events, name).toEqual([]);
    }
  });
});
