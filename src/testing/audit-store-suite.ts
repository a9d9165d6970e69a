/**
 * The conformance suite of the `AuditStore` port (SPEC §14), run against the memory store and the
 * Postgres store here and against any store a user writes. It imports no test runner and no
 * property-testing library at runtime: the caller passes both.
 */
import { parseCsv } from './audit-store-suite-csv.ts';
import { exportSection } from './audit-store-suite-export.ts';
import {
  auditSuiteContext,
  type AuditStoreConformanceOptions,
  type AuditStoreFactory,
  type AuditStoreSuiteRunner,
} from './audit-store-suite-helpers.ts';
import { pagingSection } from './audit-store-suite-paging.ts';
import { invalidQuerySection, querySection } from './audit-store-suite-query.ts';
import { rollupSection } from './audit-store-suite-rollup.ts';
import { pruneSection, writeSection } from './audit-store-suite-writes.ts';

export type {
  AuditStoreSuiteRunner,
  AuditStoreSetup,
  AuditStoreConformanceOptions,
} from './audit-store-suite-helpers.ts';
import { checkSuite } from './arguments.ts';
export {
  auditSuiteContext,
  exportSection,
  invalidQuerySection,
  pagingSection,
  parseCsv,
  pruneSection,
  querySection,
  rollupSection,
  writeSection,
};

/**
 * The laws every {@link AuditStore} must keep: events come back as written (with an id and a
 * canonical time), every filter selects what the model selects, pages never skip or repeat even
 * while events are being appended, allowed requests are rolled up (or kept with `requests:
 * 'all'`), coalesced denials keep their count, export streams every event (NDJSON, RFC 4180 CSV),
 * and `prune` drops what is older than its date. Events are scoped by a random run id, so a shared
 * database is fine; the retention case prunes before 2000-03-01 (do not keep real events there).
 *
 * @example Under vitest
 * ```ts
 * import * as fc from 'fast-check';
 * import { describe, it, expect } from 'vitest';
 * import { memoryAuditStore } from 'keycard';
 * import { auditStoreConformance } from 'keycard/testing';
 * auditStoreConformance('memory', { describe, it, expect }, ({ requests, clock }) =>
 *   memoryAuditStore({ requests, clock: { now: clock.now, monotonic: clock.now } }), { fc });
 * ```
 */
export function auditStoreConformance(
  name: string,
  t: AuditStoreSuiteRunner,
  factory: AuditStoreFactory,
  options: AuditStoreConformanceOptions = {},
): void {
  checkSuite('auditStoreConformance', name, t, factory);
  const ctx = auditSuiteContext(t, factory, options);
  t.describe(`AuditStore conformance: ${name}`, () => {
    querySection(ctx);
    rollupSection(ctx);
    pagingSection(ctx);
    exportSection(ctx);
    invalidQuerySection(ctx);
    writeSection(ctx);
    pruneSection(ctx);
  });
}
