import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Lru } from './lru.ts';

describe('Lru', () => {
  it('evicts the least recently used entry', () => {
    const l = new Lru<string, number>(2);
    l.set('a', 1);
    l.set('b', 2);
    l.get('a');
    l.set('c', 3);
    expect(l.peek('b')).toBeUndefined();
    expect(l.get('a')).toBe(1);
    expect(l.get('c')).toBe(3);
    expect(l.size).toBe(2);
  });

  it('refuses a non-positive bound', () => expect(() => new Lru(0)).toThrow());

  test.prop([fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.constantFrom('get', 'set', 'delete'), fc.integer({ min: 0, max: 12 })), { maxLength: 200 })])(
    'agrees with a reference model and never exceeds its bound',
    (max, ops) => {
      const l = new Lru<number, number>(max);
      let model: number[] = []; // keys, least recent first
      const values = new Map<number, number>();
      for (const [op, k] of ops) {
        if (op === 'set') {
          model = [...model.filter((x) => x !== k), k];
          values.set(k, k * 10);
          l.set(k, k * 10);
          if (model.length > max) values.delete(model.shift()!);
        } else if (op === 'get') {
          const expected = model.includes(k) ? values.get(k) : undefined;
          if (expected !== undefined) model = [...model.filter((x) => x !== k), k];
          expect(l.get(k)).toBe(expected);
        } else {
          expect(l.delete(k)).toBe(model.includes(k));
          model = model.filter((x) => x !== k);
          values.delete(k);
        }
        expect(l.size).toBe(model.length);
        expect(l.size).toBeLessThanOrEqual(max);
      }
    },
  );
});
