/**
 * The served `/openapi.json` is fixed bytes: test/fixtures/openapi/api-tokens.json is what the
 * handler mounted at `/api/tokens` served before the generated schemas were made smaller (issue
 * 13, the edge bundle's size). A change to how the document is built or stored must serve it
 * byte for byte; a change to the API regenerates the fixture on purpose
 * (`KEYCARD_UPDATE_OPENAPI=1 npx vitest run test/manage/openapi-served.test.ts`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { setup } from './fixture.ts';

const FIXTURE = new URL('../fixtures/openapi/api-tokens.json', import.meta.url);

describe('the served OpenAPI document', () => {
  it('is byte for byte the recorded document', async () => {
    const res = await setup().call('GET', '/openapi.json', { as: null });
    expect(res.status).toBe(200);
    const served = await res.text();
    if (process.env.KEYCARD_UPDATE_OPENAPI) writeFileSync(FIXTURE, served);
    expect(served).toBe(readFileSync(FIXTURE, 'utf8'));
  });

  it('is the same bytes at another base path, but for the paths', async () => {
    const { handler } = setup({ basePath: '/v2/keys' });
    const other = await (await handler(new Request('http://app.test/v2/keys/openapi.json'))).text();
    expect(other).toBe(readFileSync(FIXTURE, 'utf8').replaceAll('"/api/tokens/', '"/v2/keys/'));
  });
});
