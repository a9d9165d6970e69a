/**
 * @module keycard/testing
 * keycard/testing: conformance suites for the store ports and test helpers. Imports no test
 * runner: the suites take describe/it/expect from the caller.
 */
export { fakeClock } from './clock.ts';
export type { FakeClock } from './clock.ts';
export { limiterConformance } from './limiter-suite.ts';
export type { SuiteRunner, ControlledClock, LimiterConformanceOptions } from './limiter-suite.ts';
export { LimiterModel, maxInAnyWindow, seededRandom } from './limiter-model.ts';
export { tokenStoreConformance } from './token-store-suite.ts';
export type { TokenStoreSuiteRunner, TokenStoreConformanceOptions } from './token-store-suite.ts';
export { storedTokenFixture, FIXTURE_EPOCH, randomHex } from './fixtures.ts';
export { pendingGrantStoreConformance, pendingGrantFixture } from './pending-grant-suite.ts';
export type { PendingGrantConformanceOptions } from './pending-grant-suite.ts';
export { auditStoreConformance, parseCsv } from './audit-store-suite.ts';
export type { AuditStoreSuiteRunner, AuditStoreSetup, AuditStoreConformanceOptions } from './audit-store-suite.ts';
