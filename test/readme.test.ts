import { afterEach, describe, expect, it, vi } from 'vitest';
import { runSnippet, snippetsOf } from './snippets.ts';

describe('README quickstart', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is at most 15 lines and runs as written: issues a token and verifies it', async () => {
    const [quickstart] = snippetsOf('README.md').filter((s) => s.name === 'quickstart');
    expect(quickstart).toBeDefined();
    expect(quickstart!.code.split('\n').length).toBeLessThanOrEqual(15);
    expect(quickstart!.code).toContain('defineScopes');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await runSnippet(quickstart!);
    expect(log).toHaveBeenCalledTimes(2);
    expect(log.mock.calls[0]![0]).toMatch(/^acme_sk_1[0-9A-Za-z]{38}$/);
    expect(log.mock.calls[1]![0]).toMatch(/^tok_/);
    expect(log.mock.calls[1]![1]).toEqual(['tickets:write', 'read']);
  });
});
