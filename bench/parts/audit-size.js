// bench part: audit-size.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { QUICK, log } from '../lib/context.js';
import { section, targets } from '../lib/report.js';

// ── main ─────────────────────────────────────────────────────────────────────────────────────

/** The audit store part (issue 18) lives in its own script; its Markdown becomes a section here. */
export async function partAudit() {
  log('audit: bench/audit.js');
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(new URL('../audit.js', import.meta.url)), ...(QUICK ? ['--quick'] : [])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 },
  );
  section(
    '6. Audit store (Postgres)',
    r.status === 0 ? r.stdout.trim() : `**Failed** (exit ${r.status}); run \`node bench/audit.js\` to see why.`,
  );
}

/**
 * The core's browser/edge bundle (issue 13): `export * from 'keycard'` of the built package, minified, gzip -9, and
 * what a Worker that only authenticates pays (`createKeycard` alone, tree-shaken). Same in --quick.
 */
export async function partSize() {
  const { edgeBundleSize } = await import('../../scripts/bundle-size.mjs');
  const r = await edgeBundleSize();
  const alone = await edgeBundleSize({ contents: "export { createKeycard } from 'keycard';" });
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  log(`size: edge bundle ${kb(r.minified)} minified, ${kb(r.gzip)} gzip; createKeycard alone ${kb(alone.gzip)} gzip`);
  targets.push({
    part: '7 size',
    wording: "edge bundle (`export * from 'keycard'`, esbuild, minified, worker, gzip) ≤ 40 KB (goal 20 KB)",
    measured: kb(r.gzip),
    met: r.gzip <= 40 * 1024,
  });
  section(
    '7. Edge bundle size',
    `\`export * from 'keycard'\` bundled by esbuild (minified, \`--conditions=worker --platform=neutral\`): ${kb(r.minified)} minified, **${kb(r.gzip)} gzip**. Minified bytes by package: ${Object.entries(
      r.inputs,
    )
      .map(([k, v]) => `${k} ${kb(v)}`)
      .join(
        ', ',
      )}. \`export { createKeycard } from 'keycard'\` (a Worker that authenticates, tree-shaken): ${kb(alone.minified)} minified, **${kb(alone.gzip)} gzip**.`,
  );
}
