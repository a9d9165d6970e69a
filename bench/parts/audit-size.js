// bench part: audit-size.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { QUICK, log } from '../lib/context.js';
import { median, now, since } from '../lib/common.js';
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
  const hash = await portableHashTimes();
  log(
    `size: portable sha256 ${hash.mine} ns vs @noble/hashes ${hash.noble} ns; HMAC ${hash.mineHmac} ns vs ${hash.nobleHmac} ns`,
  );
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
      )}. \`export { createKeycard } from 'keycard'\` (a Worker that authenticates, tree-shaken): ${kb(alone.minified)} minified, **${kb(alone.gzip)} gzip**.

The portable hash the edge bundle carries (\`dist/sha256.web.js\`, the \`#hash\` alias without the \`node\` condition) against \`@noble/hashes\`, which it replaced: median ns per 51-character token over 7 rounds, same process. SHA-256: ${hash.mine} ns against ${hash.noble} ns; HMAC-SHA-256 under a 32-byte pepper: ${hash.mineHmac} ns against ${hash.nobleHmac} ns.`,
  );
}

/** Median ns per hash of a 51-character token: the portable implementation against `@noble/hashes`. */
async function portableHashTimes() {
  const mine = await import('../../dist/sha256.web.js');
  const { sha256 } = await import('@noble/hashes/sha2.js');
  const { hmac } = await import('@noble/hashes/hmac.js');
  const { bytesToHex } = await import('@noble/hashes/utils.js');
  const token = `kc_live_${'A'.repeat(43)}`;
  const key = new Uint8Array(32).fill(7);
  const encoder = new TextEncoder();
  const contenders = {
    mine: () => mine.sha256Hex(token),
    noble: () => bytesToHex(sha256(encoder.encode(token))),
    mineHmac: () => mine.hmacSha256Hex(key, token),
    nobleHmac: () => bytesToHex(hmac(sha256, key, encoder.encode(token))),
  };
  const runs = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  const n = QUICK ? 20_000 : 100_000;
  for (let round = 0; round < 7; round++)
    for (const [k, f] of Object.entries(contenders)) {
      const t0 = now();
      for (let i = 0; i < n; i++) f();
      runs[k].push(since(t0) / n);
    }
  return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, Math.round(median(v))]));
}
