/**
 * Opening the verification page for `deviceLogin`: whether a person sits at this screen, the
 * platform's opener, and starting an opener without waiting for it.
 */
import { spawn } from 'node:child_process';
import { checkArguments } from '../core/arguments-check.ts';

/**
 * True when a browser may be opened: a person at an interactive terminal, not CI, not SSH (a
 * browser would open on the remote machine, or fail).
 */
export function mayOpenBrowser(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  checkArguments('mayOpenBrowser', [
    'env',
    typeof env === 'object' && env !== null,
    'an environment object (process.env)',
    env,
  ]);
  if (env['CI'] || env['SSH_CONNECTION'] || env['SSH_CLIENT'] || env['SSH_TTY']) return false;
  return Boolean(process.stdout.isTTY && process.stdin.isTTY);
}

/**
 * Starts the browser opener and returns at once (see `DeviceLoginOptions.openBrowser`):
 * `opened` runs (a microtask later) when it returns or resolves; a throw or a rejection is dropped.
 */
export function launch(open: true | ((url: string) => void | Promise<void>), page: string, opened: () => void): void {
  let running: void | Promise<void>;
  try {
    running = open === true ? openInBrowser(page) : open(page);
  } catch {
    return; // The printed URL is enough.
  }
  // A rejection, or a throw from `opened` (the caller's output), is dropped: never unhandled.
  Promise.resolve(running)
    .then(opened)
    .catch(() => {});
}

/** Opens a URL with the platform's opener, detached; never waits for the browser. */
function openInBrowser(url: string): Promise<void> {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args as string[], { detached: true, stdio: 'ignore' });
    child.once('error', reject);
    child.once('spawn', () => (child.unref(), resolve()));
  });
}
