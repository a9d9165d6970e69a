#!/usr/bin/env node
// The build-time half of the management API's OpenAPI document (src/manage/openapi.ts): converts
// the zod/mini schemas of src/manage/request-schemas.ts (requests) and answer-schemas.ts (answers)
// with zod's `z.toJSONSchema`, assembles the document around them (openApiTemplate in openapi-template.mjs, its paths
// relative to the handler's base path) and writes it to src/manage/openapi-document.generated.ts,
// so the runtime (and the edge bundle) carries no JSON Schema converter and no assembly code. test/manage/request-schemas.test.ts holds the request
// schemas to the ones that validate the requests (src/manage/schemas.ts);
// test/manage/openapi-schemas.test.ts fails when the file is stale.
//
//   npm run generate:openapi
//
// Node 20 runs no TypeScript, so the schemas are bundled by esbuild into .tmp/ and imported.
// `schemas` below is both modules' exports together.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toJSONSchema } from 'zod/mini';
import { openApiTemplate } from './openapi-template.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUTPUT = 'src/manage/openapi-document.generated.ts';
export const PARTS_OUTPUT = 'src/manage/openapi-parts.generated.ts';

/**
 * The schemas of schemas.ts and answer-schemas.ts the document shows, in the order it first meets them, each with its
 * side: `input` for a query or a body (what a caller sends), `output` for an answer.
 */
export const FRAGMENTS = {
  tokenView: 'output',
  problemBody: 'output',
  listQuery: 'input',
  tokenPage: 'output',
  createBody: 'input',
  createdToken: 'output',
  revokeAllBody: 'input',
  revokeAllResult: 'output',
  updateBody: 'input',
  revokeBody: 'input',
  rotateBody: 'input',
  rotatedToken: 'output',
  activityQuery: 'input',
  activityPage: 'output',
  scopeCatalogue: 'output',
};

/** `#/$defs/X` → `#/components/schemas/X`, everywhere in a converted schema. */
function rewrite(value) {
  if (Array.isArray(value)) return value.map(rewrite);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : rewrite(v),
    ]),
  );
}

/**
 * Converts each schema of FRAGMENTS (`schemas`: the exports of src/manage/schemas.ts and
 * answer-schemas.ts) to JSON
 * Schema draft 2020-12, every `$ref` pointing to `components.schemas`. Returns `{ schemas, defs }`:
 * each schema without its shared definitions (`$defs`), naming those it uses, and the definitions,
 * which openApiTemplate hoists into `components.schemas`. Two conversions defining one name differently
 * (zod numbers unnamed recursive schemas `__schema0`… per conversion) is an error: the document
 * has one `components.schemas` for all.
 */
export function openApiFragments(schemas) {
  const out = { schemas: {}, defs: {} };
  for (const [name, io] of Object.entries(FRAGMENTS)) {
    if (schemas[name] === undefined) throw new Error(`src/manage/{answer-,}schemas.ts export no ${name}`);
    const { $defs = {}, ...schema } = toJSONSchema(schemas[name], {
      io,
      target: 'draft-2020-12',
      unrepresentable: 'any',
    });
    delete schema.$schema;
    for (const [def, value] of Object.entries(rewrite($defs))) {
      if (def in out.defs && JSON.stringify(out.defs[def]) !== JSON.stringify(value))
        throw new Error(`${name} defines ${def} unlike an earlier schema: one name, two definitions`);
      out.defs[def] ??= value;
    }
    const defs = Object.keys($defs);
    out.schemas[name] = defs.length ? { schema: rewrite(schema), defs } : { schema: rewrite(schema) };
  }
  return out;
}

// The document's template (its paths per resource) lives in openapi-template.mjs.
export { openApiTemplate };

/**
 * A repeated object or array of at least this many characters of JSON becomes a constant
 * (measured: the edge bundle's gzip is within a few bytes from 0 to 16, and grows from 20; by
 * 40 B at 100).
 */
const MIN_SHARED = 16;

/**
 * How often each object and array occurs in the document, by its JSON text, looking inside each
 * distinct one once (as the module will spell it out: `TokenView`'s insides count once, not for
 * each of its places).
 */
function occurrences(document) {
  const count = new Map();
  const walk = (value) => {
    if (typeof value !== 'object' || value === null) return;
    const text = JSON.stringify(value);
    count.set(text, (count.get(text) ?? 0) + 1);
    if (count.get(text) === 1) Object.values(value).forEach(walk);
  };
  walk(document);
  return count;
}

/**
 * Whether `value` is a closed object schema as zod writes one, `{ type: 'object', properties,
 * required?, additionalProperties: false }` with its keys in that order: the module spells it as
 * a call of `object()` (see renderModule), which lists `required` only when it is not every
 * property in order, and builds the same keys in the same order. An empty `required` is not one
 * (`object()` leaves it out), nor are `properties` that are not an object.
 */
function isClosedObject(value) {
  if (!isRecord(value) || !isRecord(value.properties)) return false;
  const keys = Object.keys(value).join();
  const shape =
    'required' in value ? 'type,properties,required,additionalProperties' : 'type,properties,additionalProperties';
  const required = !('required' in value) || (Array.isArray(value.required) && value.required.length > 0);
  return keys === shape && required && value.type === 'object' && value.additionalProperties === false;
}

function isRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JavaScript source of one object or array, each member written by `member(value, key)`; a
 * closed object schema as `object(properties)` or `object(properties, required)`.
 */
function literal(value, member) {
  if (isClosedObject(value)) {
    const properties = literal(value.properties, (v, k) => member(v, 'properties', k));
    const required = value.required ?? [];
    const all = JSON.stringify(required) === JSON.stringify(Object.keys(value.properties));
    return all && required.length > 0 ? `object(${properties})` : `object(${properties}, ${JSON.stringify(required)})`;
  }
  const parts = Object.entries(value).map(([k, v]) =>
    Array.isArray(value) ? member(v, Number(k)) : `${JSON.stringify(k)}: ${member(v, k)}`,
  );
  return Array.isArray(value) ? `[${parts.join(', ')}]` : `{${parts.join(', ')}}`;
}

/** Keys left out of the constants' names: `…properties.rateLimit` → `…RateLimit`. */
const STRUCTURE = new Set([
  'properties',
  'items',
  'anyOf',
  'additionalProperties',
  'propertyNames',
  'paths',
  'components',
  'schemas',
  'content',
  'application/json',
  'application/problem+json',
  'responses',
  'schema',
]);

/**
 * The document as JavaScript source: a constant per object or array it repeats (of
 * MIN_SHARED characters of JSON at least), named after the first place it occurs, so the module
 * spells each out once; each key of `hoist` (a top-level part of the document) is a constant of
 * its own too; then `openApiTemplate`, the whole. The document serializes the same.
 */
function documentConstants(document, shared, hoist = []) {
  const count = occurrences(document);
  const declared = new Map(); // JSON text → constant name
  const taken = new Set(['object', 'deepFreeze', 'openApiTemplate', 'DATETIME', ...hoist]);
  const out = [];
  const nameOf = (path) => {
    const words = path
      .filter((k) => typeof k === 'string' && !STRUCTURE.has(k))
      .map((k) => k.replace(/\W/g, ''))
      .filter((w) => w.length > 0);
    const base = words.map((w, i) => (i ? w.charAt(0).toUpperCase() + w.slice(1) : w)).join('') || 'shared';
    let name = /^[a-z]/i.test(base) ? base : `s${base}`;
    for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
    taken.add(name);
    return name;
  };
  const render = (value, path, root = false) => {
    if (typeof value === 'string' && shared.has(value)) return shared.get(value);
    if (typeof value !== 'object' || value === null) return JSON.stringify(value);
    const text = JSON.stringify(value);
    if (!root && declared.has(text)) return declared.get(text);
    if (!root && count.get(text) > 1 && text.length >= MIN_SHARED) {
      const name = nameOf(path);
      const source = literal(value, (v, ...keys) => render(v, [...path, ...keys]));
      out.push(`const ${name} = ${source};`);
      declared.set(text, name);
      return name;
    }
    return literal(value, (v, ...keys) => render(v, [...path, ...keys]));
  };
  for (const key of hoist) {
    out.push(`const ${key} = ${render(document[key], [key], true)};`);
    declared.set(JSON.stringify(document[key]), key);
  }
  const whole = render(document, [], true);
  return { constants: out, whole };
}

const HEADER = `// Generated by \`npm run generate:openapi\` (scripts/generate-openapi-schemas.mjs) with zod's
// z.toJSONSchema from src/manage/{answer-,}schemas.ts: do not edit. test/manage/openapi-schemas.test.ts
// fails when a schema or the document changed and this file was not regenerated.`;

/** The names of `names` that `source` uses (whole words). */
const usedIn = (source, names) => names.filter((name) => new RegExp(`\\b${name}\\b`).test(source));

/**
 * The two TypeScript modules holding the document openApiTemplate returned (before Prettier):
 * `parts`, the document's components and every object or array used in several places as one
 * constant named after the first place it occurs (so neither file passes 400 lines), and
 * `document`, the document built from them. A `pattern` that is the source of
 * src/manage/schemas.ts's `DATETIME` (`datetime`, the pattern the runtime checks: 288 characters)
 * is written as `DATETIME.source`, so the bundle holds it once.
 */
export function renderModules(document, datetime) {
  const { constants, whole } = documentConstants(document, new Map([[datetime, 'DATETIME.source']]), ['components']);
  const names = constants.map((c) => /^const (\w+) =/.exec(c)[1]);
  const datetimeImport = (source) =>
    source.includes('DATETIME.source') ? "import { DATETIME } from './schemas.ts';\n" : '';
  const parts = `${HEADER}
// The document's components, and every object or array it uses in several places as one
// constant named after the first place it occurs.
${datetimeImport(constants.join('\n'))}
type Json = Readonly<Record<string, unknown>>;

/**
 * A closed object schema, as zod writes one: \`required\` is every property, in order, unless
 * given (left out when empty).
 */
export function object(properties: Json, required: readonly string[] = Object.keys(properties)): Json {
  return required.length > 0
    ? { type: 'object', properties, required, additionalProperties: false }
    : { type: 'object', properties, additionalProperties: false };
}

${constants.map((c) => `export ${c}`).join('\n\n')}
`;
  const doc = `${HEADER}
// Its components, and the parts it uses in several places, are in openapi-parts.generated.ts.
import { deepFreeze } from '../core/records.ts';
${datetimeImport(whole)}import { ${usedIn(whole, ['object', ...names]).join(', ')} } from './openapi-parts.generated.ts';

type Json = Readonly<Record<string, unknown>>;

/**
 * The OpenAPI 3.1 document of the management API, its paths relative to the handler's \`basePath\`
 * (src/manage/openapi.ts prefixes them).
 */
export const openApiTemplate: Json & { readonly paths: Json } = deepFreeze(${whole});
`;
  return { parts, document: doc };
}

async function main() {
  const { build } = await import('esbuild');
  const prettier = await import('prettier');
  const dir = `${ROOT}.tmp/openapi-schemas`;
  const bundle = `${dir}/schemas.mjs`;
  mkdirSync(dir, { recursive: true });
  await build({
    stdin: {
      contents:
        "export * from './request-schemas.ts'; export * from './answer-schemas.ts'; export { DATETIME } from './schemas.ts';",
      resolveDir: `${ROOT}src/manage`,
      loader: 'ts',
    },
    outfile: bundle,
    bundle: true,
    format: 'esm',
    platform: 'node',
    packages: 'external', // the same zod instance as this script's toJSONSchema
    logLevel: 'warning',
  });
  const schemas = await import(`${pathToFileURL(bundle).href}?${Date.now()}`);
  rmSync(dir, { recursive: true, force: true });
  const modules = renderModules(openApiTemplate(openApiFragments(schemas)), schemas.DATETIME.source);
  for (const [output, source] of [
    [PARTS_OUTPUT, modules.parts],
    [OUTPUT, modules.document],
  ]) {
    const file = `${ROOT}${output}`;
    const options = { ...(await prettier.resolveConfig(file)), filepath: file };
    writeFileSync(file, await prettier.format(source, options));
    console.log(`wrote ${output}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
