/**
 * The harness of the conformance-suite mutation audit (test/mutants-*.test.ts): a collecting
 * `describe`/`it` that registers a suite's cases without running them, vitest's own `expect` (so
 * the matchers are exactly those a user's run has), and a runner that answers which case, if any,
 * fails against a store. A mutant is a real memory store with one law broken; the audit asserts
 * the suite's first failing case against each is the case named as catching it (`caughtBy`), with
 * an assertion's error rather than a TypeError/ReferenceError (a crash in the mutant's own
 * wrapper catches nothing), and that no case fails against the store unmutated.
 */
import { describe, expect, it } from 'vitest';

/** One registered case of a suite, named by its describe path. */
export interface SuiteCase {
  readonly name: string;
  readonly fn: () => unknown;
}

/** A runner with the `describe`/`it`/`expect` every suite takes, collecting the cases it is given. */
export function collecting(): {
  runner: {
    describe(name: string, fn: () => void): void;
    it(name: string, fn: () => unknown): void;
    expect: typeof expect;
  };
  cases: SuiteCase[];
} {
  const cases: SuiteCase[] = [];
  const path: string[] = [];
  return {
    cases,
    runner: {
      describe(name, fn) {
        path.push(name);
        try {
          fn();
        } finally {
          path.pop();
        }
      },
      it(name, fn) {
        cases.push({ name: [...path, name].join(' › '), fn });
      },
      expect,
    },
  };
}

/** What the suite said of a store: the cases that failed, each with the start of its error (`Name: message`). */
export interface Verdict {
  readonly ran: number;
  readonly failed: readonly { readonly name: string; readonly error: string }[];
}

/**
 * Runs the cases in order; with `stopAtFirst`, stops at the first failure (a mutant needs only
 * one to die, and a full run of every case per mutant would not fit the time budget).
 */
export async function verdict(cases: readonly SuiteCase[], stopAtFirst: boolean): Promise<Verdict> {
  const failed: { name: string; error: string }[] = [];
  let ran = 0;
  for (const c of cases) {
    ran++;
    try {
      await c.fn();
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      failed.push({ name: c.name, error: text.slice(0, 300) });
      if (stopAtFirst) break;
    }
  }
  return { ran, failed };
}

/**
 * A store with one law broken: what it gets wrong, the factory the suite is run on, and the case
 * that must catch it (so a crash elsewhere, say in the mutant's own wrapper, does not count).
 */
export interface Mutant<F> {
  /** The law it breaks, as a user would see the bug. */
  readonly breaks: string;
  readonly factory: F;
  /** The suite case expected to fail first: a substring of its name, or a pattern for it. */
  readonly caughtBy: string | RegExp;
}

/** A failure that is a crash of code, not a law's assertion: the mutant, not the suite, broke. */
const CRASH = /^(TypeError|ReferenceError):/;

/**
 * Registers the audit of one port: the unmutated store passes every case of the suite (so the
 * harness can fail), and each mutant fails, first, the case it names in `caughtBy`, not by a crash.
 * `register` registers the suite on a
 * runner with a factory, as a user's test file does.
 */
export function auditMutants<F>(
  port: string,
  register: (runner: ReturnType<typeof collecting>['runner'], factory: F) => void,
  original: F,
  mutants: readonly Mutant<F>[],
  minCases: number,
): void {
  describe(`the ${port} conformance suite against mutants`, () => {
    it('passes the unmutated memory store in every case', async () => {
      const { runner, cases } = collecting();
      register(runner, original);
      expect(cases.length).toBeGreaterThanOrEqual(minCases);
      const v = await verdict(cases, false);
      expect(v.failed).toEqual([]);
    });
    for (const mutant of mutants) {
      it(`fails a store that ${mutant.breaks}`, async () => {
        const { runner, cases } = collecting();
        register(runner, mutant.factory);
        const v = await verdict(cases, true);
        const first = v.failed[0];
        if (process.env['MUTANTS_VERBOSE'])
          console.log(
            `${port} | ${mutant.breaks} | ${first?.name ?? 'SURVIVED'} | ${first?.error.slice(0, 120) ?? ''}`,
          );
        expect({ survived: first === undefined, ran: v.ran }).toEqual({ survived: false, ran: v.ran });
        const { caughtBy } = mutant;
        const caughtByExpected =
          typeof caughtBy === 'string' ? first!.name.includes(caughtBy) : caughtBy.test(first!.name);
        expect({ case: first!.name, caughtByExpected }).toEqual({ case: first!.name, caughtByExpected: true });
        expect(first!.error).not.toMatch(CRASH);
      });
    }
  });
}
