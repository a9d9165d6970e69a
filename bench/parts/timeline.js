// bench part: timeline.

import { fmtNs, fmtX, group, median } from '../lib/common.js';
import { rotate, startWorkers, stopWorkers } from '../lib/pool.js';
import { CONFIG, log } from '../lib/context.js';
import { nsPerOp, section, target } from '../lib/report.js';

// ── part 2b: the limiter's cost over time (a deoptimisation shows as a cliff) ────────────────

/**
 * keycard's limiter and the floor's window in two processes, batches of about 250 ms alternated
 * for `timelineSeconds` of wall time from the processes' start (V8's type feedback, and so any
 * deoptimisation, follows process age), bucketed by second since set-up.
 */
export async function partTimeline() {
  log('part 2b: limiter cost over time');
  const keys = 10_000;
  const seconds = CONFIG.timelineSeconds;
  const blocks = [
    `keycard \`memoryLimiter().consume(key, 1e9, 60)\` and the floor's two-bucket window over ${group(keys)} keys round-robin (as in part 2), each in a fresh process, batches of about 250 ms alternated for ${seconds} s of wall time from set-up; each batch is filed under the second (since set-up) in which it ended, and a second's figure is the median of its batches. A 60 s window has 6 s sub-windows, so a limiter whose code changes its types at a sub-window boundary (the ring advancing) deoptimises about 6 s in: that is the cliff this part is for. Flat: the median keycard ÷ floor ratio of the last 10 s within 1.25 × that of seconds 1–3 (after the first second's warm-up, before the processes — about 2 s old at set-up — reach the first sub-window boundary at 6 s).`,
  ];
  const entries = await startWorkers(
    ['keycard', 'floor'].map((key) => ({
      key,
      label: `${key} limiter over time`,
      module: 'limiter.js',
      name: key,
      params: { keys },
    })),
    log,
  );
  const start = Date.now();
  const n = { keycard: 100_000, floor: 100_000 };
  const bySecond = new Map(); // second → { keycard: [ns/op], floor: [ns/op] }
  for (let r = 0; Date.now() - start < seconds * 1000; r++) {
    for (const e of rotate(entries, r)) {
      const row = await e.worker.round(n[e.key], r);
      n[e.key] = Math.max(1000, Math.round((n[e.key] * 250e6) / row.ns));
      const second = Math.floor((Date.now() - start) / 1000);
      if (second >= seconds) continue;
      const at = bySecond.get(second) ?? { keycard: [], floor: [] };
      at[e.key].push(nsPerOp(row));
      bySecond.set(second, at);
    }
  }
  await stopWorkers(entries);
  const rows = [...bySecond.entries()]
    .filter(([, v]) => v.keycard.length > 0 && v.floor.length > 0)
    .sort((a, b) => a[0] - b[0])
    .map(([second, v]) => ({ second, keycard: median(v.keycard), floor: median(v.floor) }))
    .map((row) => ({ ...row, ratio: row.keycard / row.floor }));
  const span = (from, to) => rows.filter((row) => row.second >= from && row.second < to);
  const summary = (part) => ({
    keycard: median(part.map((row) => row.keycard)),
    floor: median(part.map((row) => row.floor)),
    ratio: median(part.map((row) => row.ratio)),
  });
  const first = summary(span(1, 4)); // after the first second (warm-up), before the process is 6 s old (set-up takes about 2 s)
  const last = summary(span(seconds - 10, seconds));
  const drift = last.ratio / first.ratio;
  target(
    '2b timeline',
    `keycard limiter flat over ${seconds} s (${group(keys)} keys): median keycard ÷ floor of the last 10 s ≤ 1.25 × that of seconds 1–3`,
    { median: drift, min: drift, max: drift },
    'x',
    drift <= 1.25,
  );
  blocks.push(
    `| seconds | keycard ns/op | floor ns/op | keycard ÷ floor |\n|---|---:|---:|---:|\n` +
      [
        [`seconds 1–3`, first],
        [`last 10 s (${seconds - 10}–${seconds - 1})`, last],
      ]
        .map(([label, v]) => `| ${label} | ${fmtNs(v.keycard)} | ${fmtNs(v.floor)} | ${fmtX(v.ratio)} |`)
        .join('\n') +
      `\n| last ÷ 1–3 | ${fmtX(last.keycard / first.keycard)} | ${fmtX(last.floor / first.floor)} | ${fmtX(drift)} |`,
    `| second | keycard ns/op | floor ns/op | keycard ÷ floor |\n|---:|---:|---:|---:|\n` +
      rows
        .map((row) => `| ${row.second} | ${fmtNs(row.keycard)} | ${fmtNs(row.floor)} | ${fmtX(row.ratio)} |`)
        .join('\n'),
  );
  section(`2b. Limiter cost over time — per second, ${seconds} s`, ...blocks);
}
