// Server start (Node.js only; see instrumentation.ts).
import { demoTokens, printBanner } from './demo';
import { keycard } from './keycard';

export async function start(): Promise<void> {
  // `next start` sets PORT to the port it listens on; the start script binds 127.0.0.1.
  printBanner(`http://127.0.0.1:${process.env.PORT ?? 3002}`, await demoTokens());

  // The start script sets NEXT_MANUAL_SIG_HANDLE=true: Next's own handler would exit with
  // 128 + signal, and would not let keycard flush its audit events and lastUsedAt writes.
  if (process.env.NEXT_MANUAL_SIG_HANDLE) {
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`${signal}: closing keycard`);
      await keycard.close();
      process.exit(0);
    };
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
  }
}
