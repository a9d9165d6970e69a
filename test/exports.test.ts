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
        'configError',
        'describeDenial',
        'describeMissing',
        'mcpRefusal',
        'parseUrl',
        'problem',
        'rateLimitHeaders',
        'requestIdFrom',
        'requirementError',
        'zodEnglish',
      ].sort(),
    );
    for (const name of [
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
