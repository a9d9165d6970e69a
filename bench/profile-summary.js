// Summarises the newest V8 profile in a folder, with locations in dist/ mapped back to src/
// through the build's source maps:
// - a CPU profile (.cpuprofile): top functions by self time;
// - a sampling heap profile (.heapprofile, from lib/worker.js --alloc-dir): top functions by bytes
//   allocated (collected objects included), per operation when the file says how many ran.
//
//   node profile-summary.js profiles [top=30]
//
// `npm run profile` / `npm run profile:alloc` write one (keycard authenticate alone) and call this.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = resolve(process.argv[2] ?? 'profiles');
const top = Number(process.argv[3] ?? 30);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile') || f.endsWith('.heapprofile'))
  .map((f) => join(dir, f))
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
if (files.length === 0) {
  console.error(`no .cpuprofile or .heapprofile in ${dir}`);
  process.exit(1);
}
const profile = JSON.parse(readFileSync(files[0], 'utf8'));

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const maps = new Map();
function original(url, line, column) {
  if (!url.startsWith('file://') || !url.includes('/dist/')) return null;
  let map = maps.get(url);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')));
    } catch {
      map = null;
    }
    maps.set(url, map);
  }
  const entry = map?.findEntry(line, column);
  if (!entry || !entry.originalSource) return null;
  const source = entry.originalSource.startsWith('file://')
    ? fileURLToPath(entry.originalSource)
    : resolve(join(fileURLToPath(url), '..'), entry.originalSource);
  return `${relative(root, source)}:${entry.originalLine + 1}`;
}

const where = ({ url, lineNumber, columnNumber }) =>
  original(url, lineNumber, columnNumber) ??
  (url.startsWith('file://')
    ? `${relative(root, fileURLToPath(url))}:${lineNumber + 1}`
    : url
      ? `${url}:${lineNumber + 1}`
      : '');

if (files[0].endsWith('.heapprofile')) {
  // Sampling heap profile: a tree of { callFrame, selfSize, children }.
  const bytes = new Map();
  let all = 0;
  const walk = (node) => {
    if (node.selfSize > 0) {
      const key = `${node.callFrame.functionName || '(anonymous)'}\t${where(node.callFrame)}`;
      bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
      all += node.selfSize;
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(profile.head);
  const ops = profile.ops ?? 0;
  console.log(
    `${relative(process.cwd(), files[0])}: ${(all / 2 ** 20).toFixed(1)} MiB allocated${ops ? ` over ${ops} operations, ≈ ${Math.round(all / ops)} B per operation` : ''}`,
  );
  console.log(`| % | ${ops ? 'B/op' : 'KiB'} | function | where |`);
  console.log('|---:|---:|---|---|');
  for (const [key, b] of [...bytes].sort((a, c) => c[1] - a[1]).slice(0, top)) {
    const [name, at] = key.split('\t');
    console.log(
      `| ${((b / all) * 100).toFixed(1)} | ${ops ? Math.round(b / ops) : Math.round(b / 1024)} | \`${name}\` | ${at} |`,
    );
  }
  process.exit(0);
}

// Self time per node: each sample is charged the time delta that follows it.
const self = new Map();
const { samples, timeDeltas } = profile;
for (let i = 0; i < samples.length; i++) {
  const dt = timeDeltas[i + 1] ?? 0;
  self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
}

const byFunction = new Map();
let total = 0;
for (const node of profile.nodes) {
  const t = self.get(node.id) ?? 0;
  total += t;
  if (t === 0) continue;
  const key = `${node.callFrame.functionName || '(anonymous)'}\t${where(node.callFrame)}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + t);
}

const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log(`${relative(process.cwd(), files[0])}: ${(total / 1000).toFixed(0)} ms sampled`);
console.log('| self % | self ms | function | where |');
console.log('|---:|---:|---|---|');
for (const [key, t] of rows) {
  const [name, where] = key.split('\t');
  console.log(`| ${((t / total) * 100).toFixed(1)} | ${(t / 1000).toFixed(0)} | \`${name}\` | ${where} |`);
}
