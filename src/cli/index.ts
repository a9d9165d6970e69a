/**
 * @module keycard/cli
 * keycard/cli (Node only): what an integrator's command-line tool needs to log in through the
 * browser (RFC 8628 device flow against `createDeviceRoutes`) and keep the token safely on disk.
 * docs/cli.md shows a whole `login` in about 25 lines.
 */
export { deviceLogin } from './login.ts';
export { mayOpenBrowser } from './browser.ts';
export type { DeviceLoginOptions, DeviceLoginResult } from './login.ts';
export { credentialsPath, envPrefix } from './paths.ts';
export type { PathEnvironment } from './paths.ts';
export { writeCredentials, readCredentials, removeCredentials } from './files.ts';
export type {
  Credentials,
  CredentialsFileOptions,
  WriteCredentialsOptions,
  RemoveCredentialsOptions,
} from './files.ts';
export { resolveToken } from './resolve.ts';
export type { ResolveTokenOptions, ResolvedToken } from './resolve.ts';
