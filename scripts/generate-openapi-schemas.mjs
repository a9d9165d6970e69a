#!/usr/bin/env node
// The build-time half of the management API's OpenAPI document (src/manage/openapi.ts): converts
// the zod/mini schemas of src/manage/request-schemas.ts (requests) and answer-schemas.ts (answers)
// with zod's `z.toJSONSchema` and writes the JSON
// Schema fragments to src/manage/openapi-schemas.generated.ts, so the runtime (and the edge
// bundle) carries no JSON Schema converter. test/manage/request-schemas.test.ts holds the request
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

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUTPUT = 'src/manage/openapi-schemas.generated.ts';

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
 * which openapi.ts hoists into `components.schemas`. Two conversions defining one name differently
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

/** A repeated subschema of at least this many characters of JSON becomes a constant. */
const MIN_SHARED = 100;
/** Keywords left out of the constants' names: `tokenView.properties.rateLimit` → `tokenViewRateLimit`. */
const STRUCTURE = new Set(['properties', 'items', 'anyOf', 'additionalProperties', 'propertyNames']);

/**
 * How often each object and array occurs in the schemas, by its JSON text, looking inside each
 * distinct one once (as the module will spell it out: `tokenView`'s insides count once, not for
 * each of its four places).
 */
function occurrences(schemas) {
  const count = new Map();
  const walk = (value) => {
    if (typeof value !== 'object' || value === null) return;
    const text = JSON.stringify(value);
    count.set(text, (count.get(text) ?? 0) + 1);
    if (count.get(text) === 1) Object.values(value).forEach(walk);
  };
  for (const { schema } of Object.values(schemas)) walk(schema);
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

/** JavaScript source of a JSON value, closed object schemas as `object()` calls. */
function plain(value) {
  return typeof value === 'object' && value !== null ? literal(value, (v) => plain(v)) : JSON.stringify(value);
}

/**
 * The schemas as constants (JavaScript source), one per schema of FRAGMENTS under its name, plus
 * one per subschema they repeat (`tokenView` in `tokenPage`, `restrictions` in `createBody` and
 * `updateBody`, as schemas.ts shares them), so the module spells each out once; the document
 * serializes the same.
 */
function schemaConstants(schemas) {
  const count = occurrences(schemas);
  const declared = new Map(); // JSON text → constant name
  const taken = new Set(Object.keys(schemas));
  const out = [];
  const nameOf = (path) => {
    const words = path.filter((k) => typeof k === 'string' && !STRUCTURE.has(k)).map((k) => k.replace(/\W/g, ''));
    const base = words.map((w, i) => (i ? w.charAt(0).toUpperCase() + w.slice(1) : w)).join('');
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
    taken.add(name);
    return name;
  };
  const render = (value, path, root = false) => {
    if (typeof value !== 'object' || value === null) return JSON.stringify(value);
    const text = JSON.stringify(value);
    if (!root && declared.has(text)) return declared.get(text);
    if (!root && count.get(text) > 1 && text.length >= MIN_SHARED) return declare(nameOf(path), value, path);
    return literal(value, (v, ...keys) => render(v, [...path, ...keys]));
  };
  const declare = (name, value, path) => {
    out.push(`const ${name} = ${render(value, path, true)};`);
    declared.set(JSON.stringify(value), name);
    return name;
  };
  for (const [name, { schema }] of Object.entries(schemas)) declare(name, schema, [name]);
  return out;
}

/** The TypeScript module holding what openApiFragments returned (before Prettier). */
export function renderModule({ schemas, defs }) {
  const names = Object.keys(schemas);
  const entries = names.map((n) => {
    const used = schemas[n].defs;
    return used ? `${n}: { schema: ${n}, defs: ${JSON.stringify(used)} }` : `${n}: { schema: ${n} }`;
  });
  return `// Generated by \`npm run generate:openapi\` (scripts/generate-openapi-schemas.mjs) with zod's
// z.toJSONSchema from src/manage/{answer-,}schemas.ts: do not edit. test/manage/openapi-schemas.test.ts
// fails when a schema changed and this file was not regenerated. A subschema used in several places
// is one constant, named after the first place it occurs.
type Json = Readonly<Record<string, unknown>>;

/** One schema as JSON Schema draft 2020-12, naming the shared definitions (\`openApiDefs\`) it uses. */
export interface OpenApiFragment {
  readonly schema: Json;
  readonly defs?: readonly string[];
}

export type OpenApiSchemaName = ${names.map((n) => `'${n}'`).join(' | ')};

/**
 * A closed object schema, as zod writes one: \`required\` is every property, in order, unless
 * given (left out when empty).
 */
function object(properties: Json, required: readonly string[] = Object.keys(properties)): Json {
  return required.length > 0
    ? { type: 'object', properties, required, additionalProperties: false }
    : { type: 'object', properties, additionalProperties: false };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The shared definitions, for \`components.schemas\`. */
export const openApiDefs: Readonly<Record<string, Json>> = deepFreeze(${plain(defs)});

${schemaConstants(schemas).join('\n\n')}

export const openApiSchemas: Readonly<Record<OpenApiSchemaName, OpenApiFragment>> = deepFreeze({
  ${entries.join(',\n  ')},
});
`;
}

async function main() {
  const { build } = await import('esbuild');
  const prettier = await import('prettier');
  const dir = `${ROOT}.tmp/openapi-schemas`;
  const bundle = `${dir}/schemas.mjs`;
  mkdirSync(dir, { recursive: true });
  await build({
    stdin: {
      contents: "export * from './request-schemas.ts'; export * from './answer-schemas.ts';",
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
  const file = `${ROOT}${OUTPUT}`;
  const options = { ...(await prettier.resolveConfig(file)), filepath: file };
  writeFileSync(file, await prettier.format(renderModule(openApiFragments(schemas)), options));
  console.log(`wrote ${OUTPUT}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
