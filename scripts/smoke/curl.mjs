// The smoke test's curl lines, parsed and run with Node's fetch.
import { readFileSync } from 'node:fs';
import { check, fail, ROOT } from './children.mjs';
// ---------------------------------------------------------------------------------------------
// Curl lines: `# → STATUS [code]: comment` then `curl …`, in the README's ```sh blocks and in what
// the server prints. A tiny shell-words parser turns them into fetch calls.

/** The `# → …` and `curl …` lines of a text, in order. */
export function curlLines(text) {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('# → ') || line.startsWith('curl '));
}

export function readmeCurlLines(name) {
  const readme = readFileSync(`${ROOT}examples/${name}/README.md`, 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return curlLines(blocks.join('\n'));
}

/** Splits a shell command line into words: '…', "…" with $VAR, bare words with $VAR. */
export function shellWords(line, vars) {
  const expand = (s) =>
    s.replace(/\$([A-Z_][A-Z0-9_]*)/g, (_, name) => {
      if (!(name in vars)) fail(`curl line uses $${name}, which is not a demo token: ${line}`);
      return vars[name];
    });
  const words = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ') i++;
    if (i >= line.length) break;
    let word = '';
    while (i < line.length && line[i] !== ' ') {
      const c = line[i];
      if (c === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) fail(`unbalanced ' in: ${line}`);
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        const end = line.indexOf('"', i + 1);
        if (end < 0) fail(`unbalanced " in: ${line}`);
        word += expand(line.slice(i + 1, end));
        i = end + 1;
      } else {
        let end = i;
        while (end < line.length && !' \'"'.includes(line[end])) end++;
        word += expand(line.slice(i, end));
        i = end;
      }
    }
    words.push(word);
  }
  return words;
}

/** A curl command line as a request: the URL, method, headers and body. */
export function parseCurl(line, vars, base) {
  const words = shellWords(line.replace(/http:\/\/127\.0\.0\.1:\d+/g, base), vars);
  if (words[0] !== 'curl') fail(`not a curl line: ${line}`);
  const request = { url: null, method: null, headers: {}, body: undefined, saveCookies: null };
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (['-i', '-s', '-S', '-si', '--include', '--silent'].includes(w)) continue;
    else if (w === '-X' || w === '--request') request.method = words[++i];
    else if (w === '-H' || w === '--header') {
      const h = words[++i];
      const colon = h.indexOf(':');
      request.headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
    } else if (w === '-d' || w === '--data' || w === '--data-raw') request.body = words[++i];
    // A cookie jar, as curl keeps one: -c FILE saves the answer's cookies, -b FILE sends them.
    else if (w === '-c' || w === '--cookie-jar') request.saveCookies = words[++i];
    else if (w === '-b' || w === '--cookie') {
      const jar = words[++i];
      const cookies = Object.entries(cookieJars[jar] ?? {}).map(([k, v]) => `${k}=${v}`);
      check(cookies.length, `curl line reads cookie jar ${jar}, which no earlier line saved: ${line}`);
      request.headers.Cookie = cookies.join('; ');
    } else if (/^https?:\/\//.test(w)) request.url = w;
    else fail(`the smoke test does not understand curl option ${w} in: ${line}`);
  }
  check(request.url, `no URL in: ${line}`);
  request.method ??= request.body === undefined ? 'GET' : 'POST';
  return request;
}

/** Cookie jars by file name (`curl -c jar` / `-b jar`). */
export const cookieJars = {};

/** `a.b.c` of a JSON value. */
export const fieldOf = (value, dotted) =>
  dotted.split('.').reduce((v, k) => (v && typeof v === 'object' ? v[k] : undefined), value);

/**
 * Runs `# → …` + `curl …` pairs, checking each status and problem code. A comment holding
 * `export NAME=<a.b>` sets $NAME, for the lines below, to that field of the JSON answer (the
 * README asks the reader to do the same by hand). Redirects are not followed (curl without -L).
 */
export async function runCurlLines(lines, vars, base) {
  vars = { ...vars };
  let expect = null;
  let n = 0;
  for (const line of lines) {
    if (line.startsWith('# → ')) {
      const m = /^# → (\d{3})(?: ([a-z_]+))?:/.exec(line);
      check(m, `cannot read the expectation ${JSON.stringify(line)} (want "# → 403 code: why")`);
      const exported = /export ([A-Z_][A-Z0-9_]*)=<([\w.]+)>/.exec(line);
      expect = { status: Number(m[1]), code: m[2] ?? null, text: line, exported };
      continue;
    }
    check(expect, `curl line without a "# → status" line above it: ${line}`);
    const req = parseCurl(line, vars, base);
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, redirect: 'manual' });
    const body = await res.text();
    if (req.saveCookies) {
      const jar = (cookieJars[req.saveCookies] ??= {});
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        jar[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
      }
    }
    const where = `${req.method} ${new URL(req.url).pathname} (${expect.text.slice(4)})`;
    check(
      res.status === expect.status,
      `${where}: got ${res.status}, expected ${expect.status}: ${body.slice(0, 300)}`,
    );
    if (expect.code) {
      check(
        res.headers.get('content-type') === 'application/problem+json',
        `${where}: content-type ${res.headers.get('content-type')}`,
      );
      const code = JSON.parse(body).code;
      check(code === expect.code, `${where}: code ${code}, expected ${expect.code}`);
    }
    if (expect.exported) {
      const [, name, field] = expect.exported;
      const value = fieldOf(JSON.parse(body), field);
      check(
        typeof value === 'string' && value.length > 0,
        `${where}: no ${field} in the answer to export as ${name}: ${body.slice(0, 300)}`,
      );
      vars[name] = value;
    }
    expect = null;
    n++;
  }
  check(n > 0, 'no curl lines found');
  return n;
}
