import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Installed from the registry, keycard is then loaded by Node rather than bundled: one copy of
  // its classes per process, whatever the chunking. (In this repository keycard is linked from
  // the repository root, outside node_modules, and Turbopack bundles it anyway: once for the route
  // handlers, once for instrumentation.ts. The instance on globalThis, lib/keycard.ts, is what
  // makes them share one store and limiter either way.)
  serverExternalPackages: ['keycard'],
  poweredByHeader: false,
};

export default nextConfig;
