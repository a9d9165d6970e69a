/** examples/express as `npm start` runs it (the built package), on a free port of 127.0.0.1. */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

/** A running Express example: its base URL, what it printed up to "Listening on", and how to stop it. */
export interface RunningExample {
  readonly base: string;
  readonly out: string;
  stop(): void;
}

export async function startExpressExample(): Promise<RunningExample> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const child = spawn(process.execPath, ['server.js'], {
    cwd: new URL('../examples/express/', import.meta.url),
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const seen = (d: Buffer) => ((out += d.toString()), out.includes('Listening on') && resolve());
      child.stdout!.on('data', seen);
      child.stderr!.on('data', seen);
      child.on('exit', () => reject(new Error(out)));
    });
  } catch (e) {
    child.kill();
    throw e;
  }
  return { base: `http://127.0.0.1:${port}`, out, stop: () => void child.kill() };
}
