/**
 * Builds the package once before the suites that need `dist/` (the packed-tarball test, the
 * types fixture, the example servers), instead of each running tsup: two parallel tsup runs
 * with `clean: true` raced each other, and each took minutes on a loaded 2-core machine.
 * Skipped when `dist/` is newer than every source file (scripts/build-if-stale.mjs).
 */
// @ts-expect-error: a plain .mjs script, no declarations
import { buildIfStale } from '../scripts/build-if-stale.mjs';

export default function setup(): void {
  (buildIfStale as (o: { quiet: boolean }) => boolean)({ quiet: true });
}
