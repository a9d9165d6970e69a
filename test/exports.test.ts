// The public entries per audience (issue 12): the root holds what an application uses (at most ~25
// values); store and adapter authors' building blocks live on their own subpaths.
import { describe, expect, it } from 'vitest';
import * as root from '../src/index.ts';
import * as adapterKit from '../src/adapter-kit.ts';
import * as storeKit from '../src/store-kit.ts';
import * as device from '../src/device/index.ts';

describe('public entries', () => {
  it('the root exports the 24 values an application uses, and no engine internal', () => {
    expect(Object.keys(root).sort()).toEqual(
      [
        'AuditLossError',
        'Identity',
        'KeycardError',
        'allOf',
        'anyOf',
        'boundByOwner',
        'checkResource',
        'createKeycard',
        'createLeakIntakeHandler',
        'createManagementHandler',
        'defineHierarchy',
        'defineScopes',
        'describeActor',
        'filterResources',
        'isKeycardError',
        'jsonLinesSink',
        'memoryAuditSink',
        'memoryAuditStore',
        'memoryLimiter',
        'memoryTokenStore',
        'parseToken',
        'redact',
        'scannerPattern',
        'validateToken',
      ].sort(),
    );
    for (const internal of ['decide', 'crc32', 'AuditTrail', 'coveredByRevokeAll', 'generate', 'parse', 'problem'])
      expect(root).not.toHaveProperty(internal);
  });

  it('the kits and keycard/device hold the building blocks', () => {
    expect(Object.keys(adapterKit).sort()).toEqual(
      [
        'PREFLIGHT_ANSWER',
        'REQUEST_ERROR_CODES',
        'REQUIREMENT_KEYS',
        'auditPath',
        'badRequestMethod',
        'badRequestUrl',
        'checkKeycard',
        'computedRequirement',
        'configError',
        'describeDenial',
        'describeMissing',
        'kindOf',
        'linkRequest',
        'mcpRefusal',
        'nodeRequestUrl',
        'parseUrl',
        'problem',
        'rateLimitHeaders',
        'requestIdFrom',
        'requirementError',
        'zodEnglish',
      ].sort(),
    );
    for (const name of [
      'countedByRevokeAll',
      'coveredByRevokeAll',
      'decide',
      'crc32',
      'generateToken',
      'formatToken',
      'AuditTrail',
      'toRecord',
    ])
      expect(storeKit).toHaveProperty(name);
    expect(Object.keys(device).sort()).toEqual(['createDeviceRoutes', 'memoryPendingGrantStore']);
  });
});

describe('docs/ names every public export', () => {
  it('each value and type of each `exports` subpath appears in README.md or docs/*.md', async () => {
    const ts = (await import('typescript')).default;
    const { entries } = await import('../tsup.config.ts');
    const { readdirSync, readFileSync } = await import('node:fs');
    const docs = ['README.md', ...readdirSync('docs').flatMap((f) => (f.endsWith('.md') ? [`docs/${f}`] : []))]
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const files = Object.values(entries);
    const program = ts.createProgram(files, {
      noEmit: true,
      allowImportingTsExtensions: true,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      customConditions: ['keycard-source'],
      jsx: ts.JsxEmit.ReactJSX,
    });
    const checker = program.getTypeChecker();
    const missing = Object.entries(entries).flatMap(([name, file]) => {
      const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
      return checker
        .getExportsOfModule(module)
        .filter((s) => !new RegExp(`\\b${s.name}\\b`).test(docs))
        .map((s) => `${name === 'index' ? 'keycard' : `keycard/${name}`}: ${s.name}`);
    });
    expect(missing).toEqual([]);
  }, 60_000);
});
