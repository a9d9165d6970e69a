// The smoke test's children: every process started here runs in its own process group, killed
// on any exit; and the small helpers (ports, waits, failures) the other parts share.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const HOST = '127.0.0.1';
// ---------------------------------------------------------------------------------------------
// Children: every process started here runs in its own process group, killed on any exit.

export const children = new Set();

export function killAll() {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\nsmoke: ${signal}, stopping`);
    killAll();
    process.exit(130);
  });
}

export class SmokeError extends Error {}
export const fail = (message) => {
  throw new SmokeError(message);
};
export const check = (ok, message) => {
  if (!ok) fail(message);
};

/** Starts a command in its own process group; output is collected (and shown on failure). */
export function run(args, env = {}) {
  const child = spawn('npm', args, {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', FORCE_COLOR: '0', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.add(child);
  const proc = { child, output: '', exit: null };
  child.stdout.on('data', (d) => (proc.output += d));
  child.stderr.on('data', (d) => (proc.output += d));
  proc.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      proc.exit = { code, signal };
      resolve(proc.exit);
    });
  });
  return proc;
}

export function stop(proc) {
  children.delete(proc.child);
  try {
    process.kill(-proc.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export const tail = (text, n = 40) => text.split('\n').slice(-n).join('\n');
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => server.listen(0, HOST, resolve).on('error', reject));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function portClosed(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, HOST);
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });
}
